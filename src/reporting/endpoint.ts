/** What a collector base URL may look like: plain http(s), nothing that could carry a per-user tag. */

export type EndpointCheck = { ok: true; base: string } | { ok: false; problem: string };

/** The base URL without a trailing slash, or why it is refused. */
export function checkEndpoint(text: string): EndpointCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: `scheme ${url.protocol} is not allowed; use http or https` };
  if (url.username !== '' || url.password !== '') return { ok: false, problem: 'credentials in the URL are not allowed' };
  // A query string or fragment is a place where a per-user tag could hide.
  if (url.search !== '' || text.includes('?')) return { ok: false, problem: 'a query string is not allowed' };
  if (url.hash !== '' || text.includes('#')) return { ok: false, problem: 'a fragment is not allowed' };
  return { ok: true, base: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}
