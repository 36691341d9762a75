/** Where events go: a build-time default, overridable by env. Only plain http(s) base URLs pass. */
import { EndpointError } from '../errors.js';
import { BaseUrlError, parseBaseUrl } from '../net/base-url.js';
import { ENV, type Env } from './env.js';

export interface Endpoint {
  /** Base URL without a trailing slash, e.g. https://collector.example:8787/base */
  base: string;
  source: string;
}

export function parseEndpoint(text: string, source: string): Endpoint {
  try {
    return { base: parseBaseUrl(text), source };
  } catch (error) {
    if (error instanceof BaseUrlError) throw new EndpointError(source, error.message);
    throw error;
  }
}

export function resolveEndpoint(env: Env, buildDefault: string): Endpoint {
  for (const name of [ENV.endpoint, ENV.endpointTeleport]) {
    const value = env[name];
    if (value !== undefined && value !== '') return parseEndpoint(value, name);
  }
  return parseEndpoint(buildDefault, 'the build default');
}
