/** scripts/run-tests.mjs, npm test's test phase: the order files run in, the weights file, and that a failing check or test fails the run. */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listTestFiles, orderByWeight, parseJobs, parseTimes, parseWeights, RunTestsError, runTestsAndChecks, WEIGHTS_FILE, weightsText } from '../../scripts/run-tests.mjs';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm test: the test runner script', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-run-tests-');
  });
  after(() => workspace.remove());

  it('runs the heaviest files first, a file with no weight before them all, ties and new files alphabetically', () => {
    const weights = { 'test/e2e/slow.test.ts': 30, 'test/e2e/mid.test.ts': 5, 'test/unit/b.test.ts': 5, 'test/unit/quick.test.ts': 0.2, 'test/e2e/deleted.test.ts': 99 };
    const files = ['test/unit/quick.test.ts', 'test/unit/new-z.test.ts', 'test/unit/b.test.ts', 'test/e2e/mid.test.ts', 'test/e2e/slow.test.ts', 'test/e2e/new-a.test.ts'];
    assert.deepEqual(orderByWeight(files, weights), [
      'test/e2e/new-a.test.ts',
      'test/unit/new-z.test.ts',
      'test/e2e/slow.test.ts',
      'test/e2e/mid.test.ts',
      'test/unit/b.test.ts',
      'test/unit/quick.test.ts',
    ]);
    // A file named like an Object.prototype member is a new file, not a weighted one.
    assert.deepEqual(orderByWeight(['test/unit/x.test.ts', 'constructor'], { 'test/unit/x.test.ts': 1 }), ['constructor', 'test/unit/x.test.ts']);
  });

  it('lists test/*/*.test.ts and nothing else', async () => {
    for (const [dir, name] of [
      ['test/e2e', 'b.test.ts'],
      ['test/unit', 'a.test.ts'],
      ['test/helpers', 'helper.ts'],
      ['test/fixtures', 'data.json'],
    ] as const) {
      await mkdir(join(workspace.dir, dir), { recursive: true });
      await writeFile(join(workspace.dir, dir, name), '');
    }
    await writeFile(join(workspace.dir, 'test', 'top.test.ts'), '');
    assert.deepEqual(listTestFiles(workspace.dir), ['test/e2e/b.test.ts', 'test/unit/a.test.ts']);
  });

  it('refuses a weights file it cannot use, naming the file and the entry', () => {
    assert.throws(
      () => parseWeights('{"files": {', 'w.json'),
      (error: Error) => error instanceof RunTestsError && /^w\.json: not JSON: /.test(error.message),
    );
    assert.throws(() => parseWeights('{"files": []}', 'w.json'), /^RunTestsError: w\.json: expected an object with "files"/);
    assert.throws(
      () => parseWeights('{"files": {"test/unit/a.test.ts": -1}}', 'w.json'),
      /w\.json: files\["test\/unit\/a\.test\.ts"\]: expected seconds \(a number >= 0\), got -1/,
    );
    assert.throws(() => parseWeights('{"files": {"test/unit/a.test.ts": "3"}}', 'w.json'), /got "3"/);
  });

  it('--jobs=N takes a whole number of files at a time, and refuses anything else by name', () => {
    assert.equal(parseJobs('--jobs=3'), 3);
    assert.equal(parseJobs('--jobs=12'), 12);
    for (const bad of ['--jobs=0', '--jobs=', '--jobs=-1', '--jobs=2.5', '--jobs=three', '--jobs=1000', '--jobs=03'])
      assert.throws(
        () => parseJobs(bad),
        (error: Error) => error instanceof RunTestsError && error.message === `--jobs: expected a whole number of files at a time from 1 to 999, got "${bad.slice(7)}"`,
        bad,
      );
  });

  it("writes the reporter's per-file times as a weights file that reads back, heaviest first", () => {
    const lines = [
      JSON.stringify({ file: join(ROOT, 'test/unit/a.test.ts'), ms: 1234.56, passed: true }),
      JSON.stringify({ file: join(ROOT, 'test/e2e/b.test.ts'), ms: 45_678.9, passed: true }),
      '',
    ].join('\n');
    const times = parseTimes(lines, ROOT);
    assert.deepEqual(times, { 'test/unit/a.test.ts': 1.2, 'test/e2e/b.test.ts': 45.7 });
    const text = weightsText(times, { date: '2026-12-05', load: '1.0 2.0 3.0' });
    assert.deepEqual(Object.keys(parseWeights(text, 'w.json')), ['test/e2e/b.test.ts', 'test/unit/a.test.ts']);
    assert.match(JSON.parse(text).about, /\(2026-12-05, load average 1\.0 2\.0 3\.0\)/);
  });

  it('the checked-in weights file is valid and weighs files that exist', async () => {
    const weights = parseWeights(await readFile(join(ROOT, WEIGHTS_FILE), 'utf8'), WEIGHTS_FILE);
    const existing = new Set(listTestFiles(ROOT));
    assert.ok(Object.keys(weights).length > 0);
    // Most entries must be real files; a few may be stale after a rename, which only costs ordering.
    const real = Object.keys(weights).filter((file) => existing.has(file)).length;
    assert.ok(real >= Object.keys(weights).length * 0.9, `${real} of ${Object.keys(weights).length} weighted files exist`);
  });

  describe('a run', { concurrency: true }, () => {
    const passing = 'import { it } from "node:test";\nit("passes", () => {});\n';
    const failing = 'import { it } from "node:test";\nit("fails", () => { throw new Error("expected failure"); });\n';
    const exitWith = (code: number) => ({ name: `exit-${code}`, command: process.execPath, args: ['-e', `process.stdout.write('said something'); process.exit(${code})`] });
    const run = async (source: string, checks: ReturnType<typeof exitWith>[]) => {
      const file = await workspace.write(`case-${Math.random().toString(36).slice(2)}.test.ts`, source);
      let log = '';
      let testOutput = '';
      const timesFile = `${file}.times.jsonl`;
      // Named as npm test names them: relative to the repository root.
      const result = await runTestsAndChecks({ files: [relative(ROOT, file)], checks, log: (text) => (log += text), testOutput: (text) => (testOutput += text), timesFile });
      return { ...result, log, testOutput, file };
    };

    it('passes when the tests and every check pass, and reports the file it timed', async () => {
      const { code, log, testOutput, times, file } = await run(passing, [exitWith(0)]);
      assert.equal(code, 0, log + testOutput);
      assert.match(testOutput, /✔ passes/);
      assert.match(log, /✔ exit-0 \([\d.]+ s, beside the tests\)/);
      const timed = Object.keys(times);
      assert.equal(timed.length, 1, 'one file timed');
      assert.equal(join(ROOT, timed[0]!), file);
    });

    it('fails when a check fails though the tests pass, and shows what the check printed', async () => {
      const { code, log } = await run(passing, [exitWith(0), exitWith(3)]);
      assert.equal(code, 1);
      assert.match(log, /✖ exit-3 failed \(exit 3\); its output follows the tests'/);
      assert.match(log, /✖ exit-3 failed \(exit 3\):\nsaid something/);
    });

    it('starts the files in the order given, not sorted, `jobs` at a time: a file given last starts after both given before it', async () => {
      // z and y start together and each waits (on a watch, not a clock) until the other has
      // started; a, given last but first by name, checks that both were there before it.
      const log = join(workspace.dir, 'order.log');
      await writeFile(log, '');
      const starter = (name: string, other: string) =>
        [
          'import { appendFileSync, readFileSync, watch } from "node:fs";',
          'import { it } from "node:test";',
          `const log = ${JSON.stringify(log)};`,
          `appendFileSync(log, "${name}\\n");`,
          `it("${name} waits for ${other}", async () => {`,
          '  const watcher = watch(log);',
          `  await new Promise((resolve) => { const check = () => readFileSync(log, "utf8").includes("${other}\\n") && resolve(); watcher.on("change", check); check(); });`,
          '  watcher.close();',
          '});',
        ].join('\n');
      const files = [
        await workspace.write('order-z.test.mjs', starter('z', 'y')),
        await workspace.write('order-y.test.mjs', starter('y', 'z')),
        await workspace.write(
          'order-a.test.mjs',
          [
            'import assert from "node:assert/strict";',
            'import { readFileSync } from "node:fs";',
            'import { it } from "node:test";',
            `it("a starts after z and y", () => assert.deepEqual(readFileSync(${JSON.stringify(log)}, "utf8").split("\\n").filter(Boolean).sort(), ["y", "z"]));`,
          ].join('\n'),
        ),
      ];
      let output = '';
      // Two at a time: with a third slot, a would start beside z and y.
      const { code } = await runTestsAndChecks({ files, checks: [], log: () => undefined, testOutput: (text) => (output += text), timesFile: `${log}.times`, jobs: 2 });
      assert.equal(code, 0, output);
      assert.match(output, /✔ a starts after z and y/);
    });

    it("runs the files without the machine's NODE_EXTRA_CA_CERTS, which the tests' own servers never need", async () => {
      const file = await workspace.write(
        'no-extra-cas.test.ts',
        'import assert from "node:assert/strict";\nimport { it } from "node:test";\nit("has no extra CAs", () => assert.equal(process.env.NODE_EXTRA_CA_CERTS, undefined));\n',
      );
      let testOutput = '';
      const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/machine-cas.pem' };
      const result = await runTestsAndChecks({
        files: [relative(ROOT, file)],
        checks: [],
        log: () => undefined,
        testOutput: (text) => (testOutput += text),
        timesFile: `${file}.times.jsonl`,
        env,
      });
      assert.equal(result.code, 0, testOutput);
      assert.match(testOutput, /✔ has no extra CAs/);
    });

    it('fails when a test fails though the checks pass', async () => {
      const { code, testOutput } = await run(failing, [exitWith(0)]);
      assert.equal(code, 1);
      assert.match(testOutput, /expected failure/);
    });
  });
});
