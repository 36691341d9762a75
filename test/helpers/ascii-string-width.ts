/**
 * Gives yargs (through cliui and wrap-ansi) the string-width the bundles have: printable ASCII
 * measures as its length, anything else goes to the real string-width (build.mjs,
 * stringWidthOnDemand). Under tsx the sources get the real one, whose per-call cost (a grapheme
 * segmenter and emoji regexes for each string) made the help text yargs renders for every usage
 * error most of a test's time. Import this before anything that loads yargs, and load yargs with a
 * dynamic import: static imports are all resolved before this module's body runs.
 */
import { register } from 'node:module';

register('./ascii-string-width-hooks.mjs', import.meta.url);
