/**
 * Screening of the one free-text value the usage contracts carry (Discover's step error). The UI
 * writes it, so it may quote a host, an address, a path or an e-mail; the rule is that a text is
 * kept only when it shows none of those, and is otherwise replaced by a fixed marker. Whatever the
 * outcome, the text is also sorted into a short class from a fixed vocabulary, so errors can be
 * grouped without keeping their words. Pure; shared by senders and the collector.
 */

/** What replaces a text that fails the screen. */
export const REDACTED = 'redacted';

/** Longer texts are not kept: the longer the text, the likelier it names something. */
export const MAX_KEPT_LENGTH = 300;

/** Why a text was not kept; a metric label, never the text. */
export type RedactionRule = 'url' | 'email' | 'ip' | 'address' | 'path' | 'host' | 'identifier' | 'quoted' | 'control' | 'too-long';

// Order matters only for which rule a text is counted under; any hit redacts.
const RULES: readonly [RedactionRule, RegExp][] = [
  // biome-ignore lint/suspicious/noControlCharactersInRegex: this rule exists to catch control characters (and the line/paragraph separators)
  ['control', /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/],
  ['url', /\b[a-z][a-z0-9+.-]*:\/\/|\bwww\./i],
  ['email', /[^\s@]@[^\s@]/],
  ['ip', /\b\d{1,3}(?:\.\d{1,3}){3}\b|(?:^|[^\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:$|[^\w:])|\[[0-9a-f:.]+\]/i],
  // host:port, e.g. localhost:3080 or db:5432
  ['address', /\b[\w-]+(?:\.[\w-]+)*:\d{2,5}\b/],
  // Unix (absolute, ~/ or ./) and Windows (C:\, \\share) paths, and any relative path with a slash
  ['path', /(?:^|[\s'"`(=[,;])(?:~|\.{1,2})?\/[\w.~-]|[A-Za-z]:\\|\\\\[\w.-]|[\w.-]+[/\\][\w.-]+/],
  // a dot followed by a letter inside a word: host names, domain names, FQDNs
  ['host', /[a-z0-9-]\.[a-z][a-z0-9-]*/i],
  // ARNs, account numbers and other long ids, UUIDs, long hex strings
  ['identifier', /\barn:|\b\d{6,}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{16,}\b/i],
  // a quoted value is usually a name: 'database "prod" not found'
  ['quoted', /"[^"]+"|'[^']+'|`[^`]+`|«[^»]+»|“[^”]+”/],
];

export type Screened = { kept: true; text: string } | { kept: false; text: typeof REDACTED; rule: RedactionRule };

/** Keeps `text` only if no rule matches; the empty string is kept as is. */
export function screenFreeText(text: string): Screened {
  if (text.length > MAX_KEPT_LENGTH) return { kept: false, text: REDACTED, rule: 'too-long' };
  for (const [rule, pattern] of RULES) if (pattern.test(text)) return { kept: false, text: REDACTED, rule };
  return { kept: true, text };
}

/** Short, fixed error classes; a class never contains any of the text it was derived from. */
export const ERROR_CLASSES = ['none', 'timeout', 'permission', 'not-found', 'already-exists', 'connection', 'tls', 'invalid-input', 'quota', 'unavailable', 'other'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

const CLASSIFIERS: readonly [ErrorClass, RegExp][] = [
  ['timeout', /time[ds]?[ -]?out|deadline exceeded|took too long/i],
  ['permission', /permission|access ?denied|forbidden|unauthori[sz]ed|not authori[sz]ed|not allowed|\b40[13]\b/i],
  ['not-found', /not found|no such|does not exist|doesn't exist|\b404\b|missing/i],
  ['already-exists', /already exists|duplicate|conflict|\b409\b/i],
  ['tls', /\btls\b|x\.?509|certificate|handshake|\bssl\b/i],
  ['connection', /connection (?:refused|reset|closed)|econn|unreachable|network|dial|\beof\b|broken pipe|could not connect|failed to connect/i],
  ['quota', /quota|rate limit|throttl|too many|limit exceeded|\b429\b/i],
  ['invalid-input', /invalid|malformed|bad request|validation|must be|\b400\b/i],
  ['unavailable', /unavailable|internal|\b50[0234]\b|server error/i],
];

/** Sorts an error text into a class by keywords; 'none' for an empty text. */
export function classifyError(text: string): ErrorClass {
  if (text.trim() === '') return 'none';
  for (const [errorClass, pattern] of CLASSIFIERS) if (pattern.test(text)) return errorClass;
  return 'other';
}
