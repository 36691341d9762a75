/**
 * Stands in for `escalade/sync` inside the bundles (build.mjs swaps it in). yargs uses it only to
 * find a package.json above the working directory to guess a version, which the CLIs set
 * explicitly. Walking up and reading whatever package.json it met made the output depend on the
 * user's directories, and a FIFO named package.json hung the CLI. Finding nothing is the answer.
 */
export default function findNothing(): undefined {
  return undefined;
}
