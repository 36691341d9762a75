/**
 * Who may read the dashboard. On a loopback address the machine's own users may (a token is still
 * required when one is given); on any other address a token is required, and the collector refuses
 * to start without one. A browser shows the token once, as ?token=, and gets a session cookie for
 * it: an expiry and an HMAC of it keyed by the token, so nothing is stored server-side and a new
 * token ends every session. Every comparison takes the same time whatever the guess.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { UsageError } from '../../errors.js';

export const ENV_DASHBOARD_TOKEN = 'TBOT_COLLECTOR_DASHBOARD_TOKEN';
export const SESSION_COOKIE = 'tbot_dashboard';
/** How long a session cookie is good for; the browser is told the same. */
export const SESSION_SECONDS = 12 * 3600;
const TOKEN_SHAPE = /^[\x21-\x7e]{16,256}$/;

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and the name localhost: reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const v4 = /^(?:::ffff:)?(\d+)\.\d+\.\d+\.\d+$/i.exec(host);
  if (v4 !== null && isIP(host.replace(/^::ffff:/i, '')) === 4) return v4[1] === '127';
  // The URL parser writes every spelling of an IPv6 address one way.
  return isIP(host) === 6 && new URL(`http://[${host}]/`).hostname === '[::1]';
}

/**
 * The token from --dashboard-token, else the environment. Refused without one on an address other
 * machines can reach, and refused when too short to resist guessing.
 */
export function resolveDashboardToken(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, host: string): string | undefined {
  const [source, token] = flag !== undefined ? ['--dashboard-token', flag] : [ENV_DASHBOARD_TOKEN, env[ENV_DASHBOARD_TOKEN]];
  if (token === undefined || token === '') {
    if (isLoopbackHost(host)) return undefined;
    throw new UsageError(`--dashboard on ${host} (not a loopback address) needs a token: give --dashboard-token or set ${ENV_DASHBOARD_TOKEN}, or listen on 127.0.0.1`);
  }
  if (!TOKEN_SHAPE.test(token)) throw new UsageError(`${source}: expected 16 to 256 printable characters without spaces (e.g. from \`openssl rand -hex 24\`)`);
  return token;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
/** Hashed first, so that strings of any length compare in the same time. */
const sameText = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

export type AccessDecision =
  /** Let it through. */
  | { kind: 'allow' }
  /** A valid ?token=: set this cookie and send the browser to `location` (the same URL without it). */
  | { kind: 'login'; cookie: string; location: string }
  /** Drop a ?token= that is not needed (no token is configured). */
  | { kind: 'strip'; location: string }
  | { kind: 'deny' };

export interface AccessOptions {
  token: string | undefined;
  /** Mark the cookie Secure: the dashboard is served over TLS. */
  secure: boolean;
  now: () => Date;
}

export class DashboardAccess {
  constructor(private readonly options: AccessOptions) {}

  private session(expires: number): string {
    const mac = createHmac('sha256', this.options.token!).update(`tbot-collector dashboard session ${expires}`).digest('base64url');
    return `${expires}.${mac}`;
  }

  private validSession(cookieHeader: string | undefined): boolean {
    const value = cookieValue(cookieHeader, SESSION_COOKIE);
    const match = value === undefined ? null : /^(\d{1,12})\.[\w-]{43}$/.exec(value);
    if (match === null) return false;
    const expires = Number(match[1]);
    const now = Math.floor(this.options.now().getTime() / 1000);
    // A cookie from the future beyond one session's length was not made here.
    if (expires <= now || expires > now + SESSION_SECONDS) return false;
    return sameText(value!, this.session(expires));
  }

  decide(url: URL, headers: { authorization?: string | undefined; cookie?: string | undefined }): AccessDecision {
    const given = url.searchParams.get('token');
    const rest = new URL(url);
    rest.searchParams.delete('token');
    const location = `${rest.pathname}${rest.search}`;
    const token = this.options.token;
    if (token === undefined) return given === null ? { kind: 'allow' } : { kind: 'strip', location };
    if (given !== null) {
      if (!sameText(given, token)) return { kind: 'deny' };
      const expires = Math.floor(this.options.now().getTime() / 1000) + SESSION_SECONDS;
      const attributes = [`Path=/dashboard/`, `Max-Age=${SESSION_SECONDS}`, 'HttpOnly', 'SameSite=Strict', ...(this.options.secure ? ['Secure'] : [])];
      return { kind: 'login', cookie: `${SESSION_COOKIE}=${this.session(expires)}; ${attributes.join('; ')}`, location };
    }
    const bearer = /^Bearer ([\x21-\x7e]+)$/i.exec(headers.authorization ?? '');
    if (bearer !== null) return sameText(bearer[1]!, token) ? { kind: 'allow' } : { kind: 'deny' };
    return this.validSession(headers.cookie) ? { kind: 'allow' } : { kind: 'deny' };
  }
}

/** One cookie's value from a Cookie header (the first of that name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
