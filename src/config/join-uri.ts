/**
 * tbot's join URIs (`--join-uri`, `join_uri:`), `tbot+<proxy|auth>+<join method>://<token>[:<parameter>]@<host:port>`:
 * the parser, and the merge into a raw config. Both follow Teleport's `joinuri` package and its
 * config merge: the same URIs are accepted and refused, and a URI never overrides a field the
 * config already sets (except with the same value, where tbot allows it).
 *
 * The URI is taken apart the way Go's net/url does for this shape (scheme rules, lower-cased
 * scheme, the last `@` ending the user info, percent-decoding, the port check), so a URI Go
 * refuses is refused here too. Messages never repeat the user info: it holds the join token.
 */
import { JOIN_METHODS, type JoinMethod } from './types.js';

export interface JoinUri {
  addressKind: 'proxy' | 'auth';
  joinMethod: JoinMethod;
  /** The join token: the URI's user name. */
  token: string;
  /** The URI's password, when there is one: its meaning depends on the join method. */
  parameter: string;
  /** host[:port], as written. */
  address: string;
}

/** The URI cannot be used; `message` is safe to print (no token in it). */
export class JoinUriError extends Error {
  override name = 'JoinUriError';
}

/** URL-scheme-safe spellings of the join methods whose names hold an underscore. */
const SAFE_NAMES: Readonly<Record<string, JoinMethod>> = {
  'bound-keypair': 'bound_keypair',
  boundkeypair: 'bound_keypair',
  'azure-devops': 'azure_devops',
  azuredevops: 'azure_devops',
  'terraform-cloud': 'terraform_cloud',
  terraformcloud: 'terraform_cloud',
  'generic-oidc': 'generic_oidc',
  genericoidc: 'generic_oidc',
};

function joinMethodOf(name: string): JoinMethod {
  if ((JOIN_METHODS as readonly string[]).includes(name)) return name as JoinMethod;
  const mapped = SAFE_NAMES[name];
  if (mapped === undefined) throw new JoinUriError(`unsupported join method ${JSON.stringify(name)}`);
  return mapped;
}

/** Go's getScheme: a letter, then letters, digits, `+`, `-` or `.`, up to the first `:`. */
function splitScheme(text: string): { scheme: string; rest: string } {
  for (let index = 0; index < text.length; index++) {
    const c = text[index] as string;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (index === 0) return { scheme: '', rest: text };
      continue;
    }
    if (c === ':') {
      if (index === 0) throw new JoinUriError('parsing joining URI: missing protocol scheme');
      return { scheme: text.slice(0, index), rest: text.slice(index + 1) };
    }
    // Any other character: there is no scheme at all.
    return { scheme: '', rest: text };
  }
  return { scheme: '', rest: text };
}

/** Go's unescape: `%XX` decoded as bytes, a bad escape refused; `what` names the part for messages. */
function percentDecode(text: string, what: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  const encoded = Buffer.from(text, 'utf8');
  for (let index = 0; index < encoded.length; index++) {
    const byte = encoded[index] as number;
    if (byte !== 0x25) {
      bytes.push(byte);
      continue;
    }
    const hex = encoded.subarray(index + 1, index + 3).toString('latin1');
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new JoinUriError(`parsing joining URI: invalid URL escape in the ${what}`);
    bytes.push(Number.parseInt(hex, 16));
    index += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's validUserinfo: the characters RFC 3986 allows there (and `@`, which Go lets through). */
const USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;
/** What Go's host unescaping lets through unescaped (ASCII). */
const HOST_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%]*$/;

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const end = host.lastIndexOf(']');
    if (end < 0) throw new JoinUriError("parsing joining URI: missing ']' in host");
    const port = host.slice(end + 1);
    if (port !== '' && !/^:[0-9]*$/.test(port)) throw new JoinUriError(`parsing joining URI: invalid port ${JSON.stringify(port)} after host`);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !/^:[0-9]*$/.test(host.slice(colon))) throw new JoinUriError(`parsing joining URI: invalid port ${JSON.stringify(host.slice(colon))} after host`);
  }
  const ascii = [...host].filter((c) => c.charCodeAt(0) < 0x80).join('');
  if (!HOST_CHARS.test(ascii)) throw new JoinUriError('parsing joining URI: invalid character in host name');
  return percentDecode(host, 'host');
}

/** Go refuses ASCII control characters anywhere in a URL. */
const isControlCharacter = (c: string): boolean => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;

/** The parts of `scheme://[userinfo@]host[/path][?query][#fragment]` this needs, as Go's url.Parse yields them. */
function parseUrl(text: string): { scheme: string; user?: { name: string; password: string }; host: string } {
  if ([...text].some(isControlCharacter)) throw new JoinUriError('parsing joining URI: invalid control character in URL');
  const withoutFragment = text.split('#', 1)[0] as string;
  const split = splitScheme(withoutFragment);
  const scheme = split.scheme.toLowerCase();
  const rest = split.rest.split('?', 1)[0] as string;
  if (!rest.startsWith('/')) {
    // `scheme:opaque` has no authority, so no user either.
    if (scheme !== '') return { scheme, host: '' };
    const firstSegment = rest.split('/', 1)[0] as string;
    if (firstSegment.includes(':')) throw new JoinUriError('parsing joining URI: first path segment in URL cannot contain colon');
    return { scheme, host: '' };
  }
  if (!rest.startsWith('//') || (scheme === '' && rest.startsWith('///'))) return { scheme, host: '' };
  const afterSlashes = rest.slice(2);
  const slash = afterSlashes.indexOf('/');
  const authority = slash < 0 ? afterSlashes : afterSlashes.slice(0, slash);
  const at = authority.lastIndexOf('@');
  if (at < 0) return { scheme, host: parseHost(authority) };
  const userinfo = authority.slice(0, at);
  if (!USERINFO.test(userinfo)) throw new JoinUriError('parsing joining URI: invalid userinfo');
  const colon = userinfo.indexOf(':');
  const name = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name');
  const password = colon < 0 ? '' : percentDecode(userinfo.slice(colon + 1), 'password');
  return { scheme, user: { name, password }, host: parseHost(authority.slice(at + 1)) };
}

/** A join URI → its parts; throws JoinUriError with Go's reasons (and never the token). */
export function parseJoinUri(text: string): JoinUri {
  let url: ReturnType<typeof parseUrl>;
  try {
    url = parseUrl(text);
  } catch (error) {
    // Go's own words for `tbot+proxy+bound_keypair://…` say nothing of the underscore; say it.
    if (error instanceof JoinUriError && /^tbot\+[A-Za-z]+\+[A-Za-z-]*_[A-Za-z_-]*:\/\//.test(text)) {
      throw new JoinUriError(`${error.message} (a URL scheme cannot hold "_": write the join method with "-", e.g. bound-keypair, azure-devops, terraform-cloud, generic-oidc)`);
    }
    throw error;
  }
  const parts = url.scheme.split('+');
  // Go splits into at most three parts: a fourth `+` stays in the join method (and fails there).
  const schemeParts = parts.length > 3 ? [parts[0], parts[1], parts.slice(2).join('+')] : parts;
  if (schemeParts.length !== 3) throw new JoinUriError(`unsupported joining URI scheme: ${JSON.stringify(url.scheme)}`);
  const [prefix, kind, method] = schemeParts as [string, string, string];
  if (prefix !== 'tbot') throw new JoinUriError(`unsupported joining URI scheme ${JSON.stringify(url.scheme)}: scheme prefix must be "tbot"`);
  if (kind !== 'proxy' && kind !== 'auth') {
    throw new JoinUriError(`unsupported joining URI scheme ${JSON.stringify(url.scheme)}: address kind must be one of ["proxy", "auth"], got: ${JSON.stringify(kind)}`);
  }
  const joinMethod = joinMethodOf(method);
  if (url.user === undefined) throw new JoinUriError('invalid joining URI: must contain join token in user field');
  return { addressKind: kind, joinMethod, token: url.user.name, parameter: url.user.password, address: url.host };
}

/** Where a join URI's parameter goes, by join method (tbot ignores it, with a warning, for the others). */
const PARAMETER_FIELDS: Partial<Record<JoinMethod, readonly [block: string, key: string]>> = {
  azure: ['azure', 'client_id'],
  terraform_cloud: ['terraform', 'audience_tag'],
  gitlab: ['gitlab', 'token_env_var_name'],
  bound_keypair: ['bound_keypair', 'registration_secret'],
};

export interface JoinUriMerge {
  /** Why the URI and the config cannot both stand: one line per conflicting field. */
  conflicts: string[];
  warnings: string[];
  /** The fields the URI filled, so that a message about one of them can blame the URI. */
  filled: (readonly string[])[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Merges a parsed join URI into a raw config (in place), as tbot does before it validates the
 * config: the address, join method, token and parameter fill fields the config leaves empty; a
 * field already set to something else is a conflict (a join method or parameter set to the same
 * value is not).
 */
export function mergeJoinUri(raw: Record<string, unknown>, uri: JoinUri): JoinUriMerge {
  const conflicts: string[] = [];
  const warnings: string[] = [];
  const filled: (readonly string[])[] = [];
  if (raw['auth_server'] !== undefined) conflicts.push('the join URI sets the address, and auth_server is also set');
  else if (raw['proxy_server'] !== undefined) conflicts.push('the join URI sets the address, and proxy_server is also set');
  else {
    const key = uri.addressKind === 'auth' ? 'auth_server' : 'proxy_server';
    raw[key] = uri.address;
    filled.push([key]);
  }

  const onboarding = isRecord(raw['onboarding']) ? raw['onboarding'] : {};
  raw['onboarding'] = onboarding;
  const fill = (target: Record<string, unknown>, key: string, value: string, field: string): void => {
    if (target[key] === undefined || target[key] === '') {
      target[key] = value;
      filled.push(field.split('.'));
    } else if (target[key] !== value)
      conflicts.push(`the join URI's ${field === 'onboarding.join_method' ? `join method ${JSON.stringify(value)}` : 'parameter'} conflicts with ${field}`);
  };
  fill(onboarding, 'join_method', uri.joinMethod, 'onboarding.join_method');
  if (onboarding['token'] !== undefined && onboarding['token'] !== '') conflicts.push('the join URI holds a token, and onboarding.token is also set');
  else {
    onboarding['token'] = uri.token;
    filled.push(['onboarding', 'token']);
  }

  if (uri.parameter !== '') {
    const field = PARAMETER_FIELDS[uri.joinMethod];
    if (field === undefined) {
      warnings.push(`the join URI's parameter is ignored: the ${uri.joinMethod} join method takes none`);
    } else {
      const [block, key] = field;
      const target = isRecord(onboarding[block]) ? (onboarding[block] as Record<string, unknown>) : {};
      onboarding[block] = target;
      fill(target, key, uri.parameter, `onboarding.${block}.${key}`);
    }
  }
  return { conflicts, warnings, filled };
}
