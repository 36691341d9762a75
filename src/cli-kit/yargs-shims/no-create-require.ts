/**
 * Stands in for `node:module` where yargs-parser imports it (build.mjs swaps it in). yargs-parser
 * makes a require() at load, only to read the config files of its `config`/`extends` options,
 * which the CLIs never use; without createRequire it falls back to reading JSON itself. Loading
 * node:module (and the source-map support it brings) was a cost on every command line with a flag.
 */
export const createRequire = undefined;
