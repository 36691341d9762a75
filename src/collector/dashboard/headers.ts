/**
 * The headers every dashboard answer carries. The pages are the report pages, whose charts are
 * sized by style attributes; rather than allow any inline style, the policy lists the hash of each
 * style the page holds ('unsafe-hashes' lets hashes match attributes), up to a bound, so a style that
 * escaped into the page by some bug would still not apply. There is no script at all.
 */
import { createHash } from 'node:crypto';

const STYLE_ELEMENT = /<style>([\s\S]*?)<\/style>/g;
const STYLE_ATTRIBUTE = / style="([^"]*)"/g;
const ENTITY = /&#(\d+);/g;
/** Hashes listed at most (about 55 bytes each): the header stays under 64 KiB. */
export const MAX_ATTRIBUTE_HASHES = 1_000;

const hashSource = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The CSP for one page: its own styles by hash, nothing else loadable, no framing, forms to itself. */
export function contentSecurityPolicy(html: string): string {
  const styles = new Set<string>();
  for (const [, css] of html.matchAll(STYLE_ELEMENT)) styles.add(hashSource(css!));
  const attributes = new Set<string>();
  // The browser hashes an attribute's value after decoding it; escapeHtml writes only &#N; entities.
  for (const [, value] of html.matchAll(STYLE_ATTRIBUTE)) attributes.add(hashSource(value!.replace(ENTITY, (_, code: string) => String.fromCharCode(Number(code)))));
  // A year of daily columns can hold a thousand distinct bar styles. Past the bound the header
  // would grow without end, so attributes are then allowed as such (they cannot run script) while
  // style elements stay hashed.
  const listed = attributes.size <= MAX_ATTRIBUTE_HASHES;
  const styleSources = [...styles, ...(attributes.size === 0 || !listed ? [] : ["'unsafe-hashes'", ...attributes])];
  return [
    "default-src 'none'",
    `style-src ${styleSources.length === 0 ? "'none'" : styleSources.join(' ')}`,
    ...(listed ? [] : ["style-src-attr 'unsafe-inline'"]),
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** On every answer, pages and refusals alike. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}
