/**
 * Screening of the one free-text value the usage contracts carry (Discover's step error). The UI
 * writes it, so it may quote a host, an address, a path, a user or a token. The text is first
 * normalized (NFKC, then the dot, slash and at-sign look-alikes NFKC leaves alone, and invisible
 * format characters removed), so `db01\u2024host` reads as `db01.host`. It is then kept only if no
 * deny rule below matches (those give the metric its reason) and every word is in the vocabulary
 * of error words (error-words.ts): an allow-list, because no list of what names look like is ever
 * complete. A text that fails is replaced by a fixed marker; whatever the outcome, the text is
 * sorted into a short class from a fixed vocabulary, so errors can be grouped without keeping
 * their words. Pure; shared by senders and the collector.
 */
import { ERROR_WORDS } from './error-words.js';

/** What replaces a text that fails the screen. */
export const REDACTED = 'redacted';

/** Longer texts are not kept: the longer the text, the likelier it names something. */
export const MAX_KEPT_LENGTH = 300;

/** Why a text was not kept; a metric label, never the text. */
export type RedactionRule = 'url' | 'email' | 'ip' | 'address' | 'path' | 'host' | 'identifier' | 'quoted' | 'control' | 'too-long' | 'unlisted-word';

/**
 * Characters that read as a dot, a slash or an at-sign and that NFKC leaves as they are (or maps
 * to another look-alike). Mapped to the ASCII character they imitate before any rule runs.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  '\u2024': '.', // one dot leader (NFKC maps it too; kept for clarity)
  '\uFF0E': '.', // full-width full stop
  '\uFE52': '.', // small full stop
  '\u3002': '.', // ideographic full stop
  '\uFF61': '.', // half-width ideographic full stop
  '\u00B7': '.', // middle dot
  '\u2027': '.', // hyphenation point
  '\u2219': '.', // bullet operator
  '\u22C5': '.', // dot operator
  '\u30FB': '.', // katakana middle dot
  '\u0589': '.', // Armenian full stop
  '\u06D4': '.', // Arabic full stop
  '\u2E31': '.', // word separator middle dot
  '\u2E3C': '.', // stenographic full stop
  '\uA60E': '.', // Vai full stop
  '\u1362': '.', // Ethiopic full stop
  '\uFF0F': '/', // full-width solidus
  '\u2215': '/', // division slash
  '\u2044': '/', // fraction slash
  '\u29F8': '/', // big solidus
  '\u2571': '/', // box drawings light diagonal
  '\uFF3C': '\\', // full-width reverse solidus
  '\u2216': '\\', // set minus
  '\u29F9': '\\', // big reverse solidus
  '\uFF20': '@', // full-width commercial at
  '\uFE6B': '@', // small commercial at
  '\uFF1A': ':', // full-width colon
  '\u2236': ':', // ratio
  '\uA789': ':', // modifier letter colon
};
const LOOK_ALIKE = new RegExp(`[${Object.keys(LOOK_ALIKES).join('')}]`, 'gu');
/** Invisible format characters (zero-width spaces and joiners, bidi controls, soft hyphens). */
const FORMAT = /\p{Cf}/gu;

/** The text as the rules see it, and as it is stored when kept. */
export function normalizeFreeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(FORMAT, '')
    .replace(LOOK_ALIKE, (character) => LOOK_ALIKES[character] ?? character);
}

/** Between words: white space and punctuation that cannot sit inside a name. */
const WORD_BREAK = /[\s,;:()[\]{}"`!?=<>|*]+/u;
/** Quotes and sentence dots around a word are not part of it; a dot inside one is (`example.com`). */
const WORD_EDGES = /^['.]+|['.]+$/g;
/** Short numbers (a status or exit code) are kept; longer ones may be ports, ids or accounts. */
const SMALL_NUMBER = /^[0-9]{1,3}$/;

/** Whether every word of `text` is an error word or a short number. */
export function isAllErrorWords(text: string): boolean {
  for (const raw of text.toLowerCase().split(WORD_BREAK)) {
    const word = raw.replace(WORD_EDGES, '');
    if (word !== '' && !ERROR_WORDS.has(word) && !SMALL_NUMBER.test(word)) return false;
  }
  return true;
}

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

/**
 * Keeps `text`, normalized, only if no deny rule matches and every word is an error word; the
 * empty string is kept as is. A kept text screens as kept again, unchanged (the stored-record
 * check relies on that).
 */
export function screenFreeText(text: string): Screened {
  if (text.length > MAX_KEPT_LENGTH) return { kept: false, text: REDACTED, rule: 'too-long' };
  const normalized = normalizeFreeText(text);
  if (normalized.length > MAX_KEPT_LENGTH) return { kept: false, text: REDACTED, rule: 'too-long' };
  for (const [rule, pattern] of RULES) if (pattern.test(normalized)) return { kept: false, text: REDACTED, rule };
  if (!isAllErrorWords(normalized)) return { kept: false, text: REDACTED, rule: 'unlisted-word' };
  return { kept: true, text: normalized };
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

/** Sorts an error text (normalized first) into a class by keywords; 'none' for an empty text. */
export function classifyError(text: string): ErrorClass {
  const normalized = normalizeFreeText(text);
  if (normalized.trim() === '') return 'none';
  for (const [errorClass, pattern] of CLASSIFIERS) if (pattern.test(normalized)) return errorClass;
  return 'other';
}
