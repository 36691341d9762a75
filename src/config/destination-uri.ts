/**
 * tbot's destination URIs, as `--storage`, `--data-dir` and `--destination` take them:
 * `file:///var/lib/bot` or a bare path (a directory), `memory://`, and `kubernetes-secret:///name`
 * or `kubernetes-secret://namespace/name` (which this agent explains it cannot serve).
 */
import type { RawDestination } from './types.js';

export type UriResult = { ok: true; destination: RawDestination } | { ok: false; problem: string };

export const URI_EXPECTED = 'a directory path, file:///path, memory:// or kubernetes-secret:///name';

export function destinationFromUri(uri: string): UriResult {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return uri === '' ? { ok: false, problem: 'is empty' } : { ok: true, destination: { type: 'directory', path: uri } };
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, problem: 'is not a valid URI' };
  }
  const path = decodeURIComponent(url.pathname);
  switch (scheme) {
    case 'file':
      if (url.host !== '' && url.host !== 'localhost') return { ok: false, problem: `names the host "${url.host}", but file storage must be on the local host` };
      return uri.length <= 'file://'.length ? { ok: false, problem: 'has no path' } : { ok: true, destination: { type: 'directory', path } };
    case 'memory':
      if (url.host !== '' || (path !== '' && path !== '/')) return { ok: false, problem: 'names a host or path, which memory:// does not take' };
      return { ok: true, destination: { type: 'memory' } };
    case 'kubernetes-secret': {
      const name = path.replace(/^\//, '');
      if (name === '') return { ok: false, problem: 'has no secret name (kubernetes-secret:///NAME)' };
      return { ok: true, destination: { type: 'kubernetes_secret', name, ...(url.host === '' ? {} : { namespace: url.host }) } };
    }
    default:
      return { ok: false, problem: `has the unknown scheme "${scheme}://"` };
  }
}
