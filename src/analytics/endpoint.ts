/** Where events go: a build-time default, overridable by env. Only plain http(s) base URLs pass. */
import { EndpointError } from '../errors.js';
import { ENV, type Env } from './env.js';

export interface Endpoint {
  /** Base URL without a trailing slash, e.g. https://collector.example:8787/base */
  base: string;
  source: string;
}

export function parseEndpoint(text: string, source: string): Endpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EndpointError(source, 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EndpointError(source, `scheme ${url.protocol} is not allowed; use http or https`);
  if (url.username !== '' || url.password !== '') throw new EndpointError(source, 'credentials in the URL are not allowed');
  // A query string or fragment is a place where a per-user tag could hide.
  if (url.search !== '' || text.includes('?')) throw new EndpointError(source, 'a query string is not allowed');
  if (url.hash !== '' || text.includes('#')) throw new EndpointError(source, 'a fragment is not allowed');
  return { base: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, source };
}

export function resolveEndpoint(env: Env, buildDefault: string): Endpoint {
  for (const name of [ENV.endpoint, ENV.endpointTeleport]) {
    const value = env[name];
    if (value !== undefined && value !== '') return parseEndpoint(value, name);
  }
  return parseEndpoint(buildDefault, 'the build default');
}
