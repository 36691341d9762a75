// Runs test files under node:test in the order given, `jobs` at a time, with the spec reporter on
// stdout and one JSON line per finished file in the times file:
// {"file":"/abs/path.test.ts","ms":1234.5,"passed":true}.
//
// usage: node --import tsx scripts/node-test-in-order.mjs <jobs> <times file> <test files...>
//
// Why not `node --test <files>`: Node 20's command line sorts the files it is given, so the order
// scripts/run-tests.mjs works out would be lost; run() takes them as they come. The processes it
// starts for the files get this one's --import tsx. run() leaves the exit code alone, so a failure
// (not a todo's) sets it here, as `node --test` would. Node built-ins only.
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const [jobsArg, timesFile, ...files] = process.argv.slice(2);
const jobs = Number(jobsArg);
if (!Number.isInteger(jobs) || jobs < 1 || timesFile === undefined || files.length === 0) {
  process.stderr.write('usage: node --import tsx scripts/node-test-in-order.mjs <jobs: a whole number >= 1> <times file> <test files...>\n');
  process.exit(2);
}

const reporter = new spec();
reporter.pipe(process.stdout);
const times = createWriteStream(timesFile);
let failed = false;
for await (const event of run({ files, concurrency: jobs })) {
  reporter.write(event);
  const { data } = event;
  if (event.type === 'test:fail' && !data.todo && !data.skip) failed = true;
  // Each file is reported as a test named after its path as given (relative to here); a file's
  // own tests carry its absolute path in `file` only.
  if (event.type === 'test:complete' && data.nesting === 0 && data.file !== undefined && resolve(data.name) === data.file)
    times.write(`${JSON.stringify({ file: data.file, ms: data.details?.duration_ms ?? 0, passed: data.details?.passed ?? false })}\n`);
}
await new Promise((resolve) => reporter.end(resolve));
await new Promise((resolve) => times.end(resolve));
if (failed) process.exitCode = 1;
