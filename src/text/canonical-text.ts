/**
 * The spellings the collector writes, so that what it reads back can be held to them exactly
 * (stored lines, report keys): anything else is either older data or damage, judged elsewhere.
 */

/** A UUID as the collector writes one: lowercase hex, 8-4-4-4-12. */
export const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An instant as `Date.prototype.toISOString` spells it: UTC, with milliseconds. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
