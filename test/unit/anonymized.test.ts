/**
 * The anonymized-value and base64 checks are loops for speed; their specification is the regular
 * expressions below (ANONYMIZED_PATTERN is the exported one). They must give the same answer on
 * every string: real HMACs, every single-character edit of one, every length around 44, padding
 * in every position, characters outside ASCII and lone surrogates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANONYMIZED_PATTERN, anonymize, isAnonymized, isPaddedBase64 } from '../../src/protocol/anonymized.js';

const PADDED_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Every base64 character, padding, URL-safe letters, and characters a regex or a table could mistake. */
const EDITS = [...ALPHABET, '=', '-', '_', ' ', '\n', '\0', '.', 'é', 'Ａ', '\u0141', '\u2028', '\uD800', '\uDFFF', '\u00C1', String.fromCharCode(128 + 65)];

function* candidates(): Generator<string> {
  for (let index = 0; index < 50; index += 1) {
    const hmac = anonymize(`key-${index}`, `name-${index}`);
    yield hmac;
    for (let at = 0; at < hmac.length; at += 1) for (const edit of EDITS) yield hmac.slice(0, at) + edit + hmac.slice(at + 1);
    for (let length = 0; length <= 48; length += 1) yield (hmac + hmac).slice(0, length);
    yield `${hmac.slice(0, 42)}==`;
    yield `${hmac}=`;
  }
  for (let length = 0; length <= 12; length += 1)
    for (const fill of ['A', '=', 'AA==', 'A=', 'é']) {
      const text = fill.repeat(length);
      yield text;
      yield `${text}==`;
      yield `${text}=`;
    }
}

describe('anonymized and base64 checks', () => {
  const pairs: [string, (text: string) => boolean, RegExp][] = [
    ['isAnonymized', isAnonymized, ANONYMIZED_PATTERN],
    ['isPaddedBase64', isPaddedBase64, PADDED_BASE64],
  ];
  for (const [name, check, expression] of pairs)
    it(`${name} answers as ${expression} on every candidate`, () => {
      let accepted = 0;
      let checked = 0;
      for (const text of candidates()) {
        assert.equal(check(text), expression.test(text), JSON.stringify(text));
        if (check(text)) accepted += 1;
        checked += 1;
      }
      assert.ok(accepted > 50 && checked - accepted > 1000, `a mix of accepted (${accepted}) and refused (${checked - accepted})`);
    });
});
