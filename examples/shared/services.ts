/** Request shapes the example services share. */
import type { RequestCheck, RequestMeta } from '../../src/reporting/index.js';

/** `{ distinctId, timestamp, <event> }`: Connect's requests, Teleport's and ours. */
export const withDistinctId = ({ distinctId, timestamp }: RequestMeta, wire: unknown): unknown => ({ distinctId, timestamp, ...(wire as object) });

/** `{ events: [...] }`, the batch envelope of SubmitEvents and SubmitConnectExtraEvents. */
export const batchOf = (events: readonly unknown[]): unknown => ({ events });

/**
 * The batch's own check: each event in it has already passed its schema one by one (the reporter
 * renders and checks every event as a single request first), so what is left is the size limit.
 */
export const batchCheck =
  (max: number): RequestCheck =>
  (request) => {
    const events = (request as { events?: unknown }).events;
    if (!Array.isArray(events)) return '/events is not an array';
    return events.length <= max ? undefined : `/events holds ${events.length} events; the receiver takes at most ${max}`;
  };
