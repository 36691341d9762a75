/**
 * The anonymity invariant of the usage contracts: a sensitive value (cluster name, user name)
 * travels only as the output of Teleport's anonymizer, base64(HMAC-SHA256(key, value)) in the
 * standard alphabet with padding. Senders compute it with `anonymize`; receivers check the shape
 * with `isAnonymized`. Nothing here depends on the agent or the collector.
 */
import { createHmac } from 'node:crypto';

/**
 * 32 bytes of MAC in base64: 42 free characters, a 43rd that carries only four bits (so one of
 * sixteen letters), and one '=' of padding. A clear name cannot have this shape by accident.
 */
export const ANONYMIZED_PATTERN = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** What a rejection says the field should hold; it never repeats the value received. */
export const ANONYMIZED_EXPECTATION = "the anonymizer's output (base64 of a 32-byte HMAC-SHA256, 44 characters), never a clear value";

/** Which character codes (below 128) are in the standard base64 alphabet, and which may end 32 bytes' worth. */
const ALPHABET = new Uint8Array(128);
const LAST_OF_32_BYTES = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') ALPHABET[char.charCodeAt(0)] = 1;
for (const char of 'AEIMQUYcgkosw048') LAST_OF_32_BYTES[char.charCodeAt(0)] = 1;
const PAD = 61; // '='

/** Whether a character code is in the standard base64 alphabet (no padding). */
export const isBase64Char = (code: number): boolean => code < 128 && ALPHABET[code] === 1;

/**
 * `ANONYMIZED_PATTERN.test(value)`, character by character: a billing report tests millions of
 * these, and the loop costs a quarter of the regular expression (test/unit/anonymized.test.ts
 * holds the two to the same answers).
 */
export const isAnonymized = (value: string): boolean => isAnonymizedAt(value, 0, value.length);

/** isAnonymized of `text.slice(start, end)`, read in place: a billing report checks user names inside their stored line. */
export function isAnonymizedAt(text: string, start: number, end: number): boolean {
  if (end - start !== 44 || text.charCodeAt(start + 43) !== PAD) return false;
  for (let index = start; index < start + 42; index += 1) if (!isBase64Char(text.charCodeAt(index))) return false;
  const last = text.charCodeAt(start + 42);
  return last < 128 && LAST_OF_32_BYTES[last] === 1;
}

/**
 * Standard base64 with its padding, the spelling ProtoJSON writes for bytes: the regular
 * expression `^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`, as a loop.
 */
export function isPaddedBase64(value: string): boolean {
  const length = value.length;
  if (length % 4 !== 0) return false;
  const padding = length === 0 || value.charCodeAt(length - 1) !== PAD ? 0 : value.charCodeAt(length - 2) === PAD ? 2 : 1;
  for (let index = 0; index < length - padding; index += 1) if (!isBase64Char(value.charCodeAt(index))) return false;
  return true;
}

/**
 * Byte-compatible with Go's utils.NewHMACAnonymizer(key).AnonymizeString(value): the key is used
 * as the raw bytes of the string given (a UUID key is its 36 ASCII characters), and the empty
 * string is hashed like any other value.
 */
export function anonymize(key: string | Uint8Array, value: string): string {
  if (typeof key === 'string' && key.trim() === '') throw new Error('anonymizer key must not be empty');
  return createHmac('sha256', key).update(value, 'utf8').digest('base64');
}

/**
 * How a contract treats one sensitive field: `required` fields always carry the anonymizer's
 * output; `optional` ones may instead be the empty string, meaning "none" (a leaf cluster name when
 * no leaf cluster is involved), never the HMAC of an empty string.
 */
export type Sensitivity = 'required' | 'optional';

/** A sensitive field by its ProtoJSON path within one event message (or the request). */
export type SensitiveFields = Readonly<Record<string, Sensitivity>>;

/**
 * The first sensitive field of `message` holding a string that breaks the invariant, by path;
 * undefined when all hold. A field that is absent or not a string is left to the schema check.
 */
export function firstNotAnonymized(message: Record<string, unknown>, fields: SensitiveFields): string | undefined {
  for (const [path, sensitivity] of Object.entries(fields)) {
    const value = path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), message);
    if (typeof value !== 'string') continue;
    if (value === '' && sensitivity === 'optional') continue;
    if (!isAnonymized(value)) return path;
  }
  return undefined;
}
