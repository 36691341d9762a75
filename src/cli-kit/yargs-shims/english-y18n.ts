/**
 * Stands in for the `y18n` package inside the bundles (build.mjs swaps it in). The real one loads
 * `<dir>/<locale>.json` from a directory worked out relative to the bundle, which lies outside the
 * install: a planted file could rewrite the CLI's messages, and an unreadable one, or a FIFO, broke
 * or hung every command. yargs' own strings are English, so English needs no file at all: messages
 * come from the strings yargs passes in, plus whatever the program sets with updateStrings().
 */
import { format } from 'node:util';

type Plural = { one: string; other: string };

export default function englishY18n(): object {
  const table: Record<string, string | Plural> = Object.create(null) as Record<string, string | Plural>;
  const __ = (text: string, ...args: unknown[]): string => {
    const entry = table[text];
    return format(typeof entry === 'string' ? entry : text, ...args);
  };
  const __n = (singular: string, plural: string, quantity: number, ...args: unknown[]): string => {
    const entry = table[singular];
    const chosen = typeof entry === 'object' ? entry[quantity === 1 ? 'one' : 'other'] : quantity === 1 ? singular : plural;
    return format(chosen, ...(chosen.includes('%d') ? [quantity] : []), ...args);
  };
  return {
    __,
    __n,
    // The locale stays English whatever LANG says or the program asks: there is no other table.
    setLocale: (): void => undefined,
    getLocale: (): string => 'en',
    updateLocale: (strings: Record<string, string | Plural>): void => void Object.assign(table, strings),
    locale: 'en',
  };
}
