/**
 * Issue 18, "padded clear text in a sensitive field": could a cheap heuristic tell a clear name
 * padded to the anonymizer's shape (`PRODclusterEUwest1acmecorpinternalhostA=`) from real
 * HMAC-SHA256 output? Prints, for each candidate rule, how often it fires on 1,000,000 real HMACs
 * (the events it would wrongly quarantine) and how many padded clear names it catches. The
 * decision and the reasoning are in docs/trust-model.md. Nothing is timed; the load average is
 * printed only so a slow run can be told from a broken one.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { anonymize, isAnonymized } from '../src/protocol/anonymized.js';

const SAMPLES = 1_000_000;

/** Longest run of characters matching `pattern` in `text`. */
function longestRun(text: string, pattern: RegExp): number {
  let best = 0;
  let run = 0;
  for (const character of text) {
    run = pattern.test(character) ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

const RULES: [string, (value: string) => boolean][] = [
  ['lower-case run >= 12', (value) => longestRun(value, /[a-z]/) >= 12],
  ['lower-case run >= 16', (value) => longestRun(value, /[a-z]/) >= 16],
  ['lower-case run >= 20', (value) => longestRun(value, /[a-z]/) >= 20],
  ['letter run >= 30', (value) => longestRun(value, /[A-Za-z]/) >= 30],
  ['no "+" or "/" and letter run >= 24', (value) => !/[+/]/.test(value) && longestRun(value, /[A-Za-z]/) >= 24],
];

/** Names as operators write them, padded with letters to 42 characters, a valid 43rd and "=". */
const WORDS = [
  'prod',
  'staging',
  'cluster',
  'eu',
  'west',
  'east',
  'us',
  'acme',
  'corp',
  'internal',
  'host',
  'db',
  'primary',
  'alice',
  'bob',
  'laptop',
  'teleport',
  'example',
  'kube',
  'leaf',
];
function paddedNames(count: number): string[] {
  const names: string[] = [];
  for (let index = 0; index < count; index += 1) {
    let name = '';
    for (let word = 0; name.length < 42; word += 1) {
      const next = WORDS[(index * 7 + word * 13 + (index >> (word % 5))) % WORDS.length]!;
      // Mixed styles: lower case, Capitalized, UPPER, with a digit now and then.
      const style = (index + word) % 4;
      name += style === 0 ? next : style === 1 ? next[0]!.toUpperCase() + next.slice(1) : style === 2 ? next.toUpperCase() : `${next}${word % 10}`;
    }
    names.push(`${name.slice(0, 42)}A=`);
  }
  return names.filter(isAnonymized);
}

const fired = RULES.map(() => 0);
for (let index = 0; index < SAMPLES; index += 1) {
  const value = anonymize(randomBytes(16), randomBytes(12).toString('hex'));
  RULES.forEach(([, rule], position) => {
    if (rule(value)) fired[position]! += 1;
  });
}
// The example, grown to the 44 characters the shape check wants.
const padded = ['PRODclusterEUwest1acmecorpinternalhostnameA=', ...paddedNames(999)].filter(isAnonymized);
console.log(
  `load average ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}; ${SAMPLES.toLocaleString('en')} real HMACs, ${padded.length} padded clear names`,
);
console.log('rule                                  fires on real HMACs (per million)   catches padded names');
RULES.forEach(([name, rule], position) => {
  const caught = padded.filter(rule).length;
  console.log(
    `${name.padEnd(38)}${String(fired[position]).padStart(10)} (${((fired[position]! / SAMPLES) * 1e6).toFixed(1)})${''.padEnd(14)}${caught}/${padded.length} (${((caught / padded.length) * 100).toFixed(1)} %)`,
  );
});
