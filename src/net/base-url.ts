/**
 * The one rule for a base URL we send to (the agent's analytics endpoint, the collector's PostHog
 * host): absolute http(s), no credentials, no query string, no fragment. Credentials would be
 * sent and logged; a query or fragment is where a per-user tag could hide.
 */
export class BaseUrlError extends Error {
  override name = 'BaseUrlError';
}

/** The URL without a trailing slash, e.g. https://eu.i.posthog.com or https://proxy.example/ingest. */
export function parseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BaseUrlError('not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BaseUrlError(`scheme ${url.protocol} is not allowed; use http or https`);
  if (url.username !== '' || url.password !== '') throw new BaseUrlError('credentials in the URL are not allowed');
  if (url.search !== '' || text.includes('?')) throw new BaseUrlError('a query string is not allowed');
  if (url.hash !== '' || text.includes('#')) throw new BaseUrlError('a fragment is not allowed');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
