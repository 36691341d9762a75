/**
 * Every real tbot config in test/fixtures/teleport-configs/ (tbot's own test data and the
 * documentation's examples) through the built agent: it loads, or it gives exactly the
 * explanation MANIFEST.json says (needs a cluster, v1 migration, or tbot's own refusal), naming
 * file:line:col, and never calls a key tbot accepts "unknown".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CORPUS = fileURLToPath(new URL('../fixtures/teleport-configs/', import.meta.url));

interface Fixture {
  file: string;
  source: { repo: string; path: string; commit: string };
  kind: 'config' | 'partial' | 'output' | 'service' | 'destination' | 'include';
  expect: 'loads' | 'needs-cluster' | 'v1-migrate' | 'rejected' | 'included';
  needsClusterKeys: string[];
  /** The warnings about keys tbot ignores, `{file}` standing for the config's path; none when absent. */
  warnings?: string[];
  notes: string;
}

const manifest = JSON.parse(readFileSync(join(CORPUS, 'MANIFEST.json'), 'utf8')) as Fixture[];
const includes = new Map(manifest.filter((fixture) => fixture.kind === 'include').map((fixture) => [fixture.source.path, fixture.file]));
const INCLUDE_LINE = /^\(!(.+)!\)$/gm;

/** Teleport's docs pull shared snippets in with `(!path!)` lines; they are expanded from the corpus's own copies. */
function expandIncludes(text: string): string {
  return text.replace(INCLUDE_LINE, (_, path: string) => {
    const file = includes.get(path);
    if (file === undefined) throw new Error(`no include fixture for ${path}`);
    return readFileSync(join(CORPUS, file), 'utf8').replace(/\n$/, '');
  });
}

const indent = (text: string, spaces: number): string =>
  text
    .split('\n')
    .map((line) => (line.trim() === '' ? line : `${' '.repeat(spaces)}${line}`))
    .join('\n');

/** Turns a partial, output, service or destination into a whole config, as the corpus README says. */
function wrap(fixture: Fixture, text: string): string {
  switch (fixture.kind) {
    case 'config':
      return text;
    case 'partial':
      return `version: v2\n${text}`;
    case 'output':
      return `version: v2\noutputs:\n  -\n${indent(text, 4)}\n`;
    case 'service':
      return `version: v2\nservices:\n  -\n${indent(text, 4)}\n`;
    case 'destination':
      return `version: v2\noutputs:\n  - type: identity\n    destination:\n${indent(text, 6)}\n`;
    case 'include':
      throw new Error(`${fixture.file} is only used through the fixtures that include it`);
  }
}

/** `services[0].type=ssh-multiplexer` → the field the message must name. */
const fieldOf = (key: string): string => key.split('=', 1)[0] as string;
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the Teleport tbot config corpus', { concurrency: 4 }, () => {
  let workspace: Workspace;
  let receiver: Receiver;
  before(async () => {
    workspace = await makeWorkspace('tbot-corpus-');
    receiver = await startReceiver('ok');
  });
  after(async () => {
    await receiver.close();
    await workspace.remove();
  });

  it("holds at least 15 configs, from both the docs and tbot's test data, each with a known expectation", () => {
    assert.ok(manifest.length >= 15);
    assert.ok(manifest.some((fixture) => fixture.file.startsWith('docs-')) && manifest.some((fixture) => fixture.file.startsWith('tbot-')));
    for (const fixture of manifest) {
      assert.ok(['loads', 'needs-cluster', 'v1-migrate', 'rejected'].includes(fixture.expect) || (fixture.kind === 'include' && fixture.expect === 'included'), fixture.file);
      assert.match(fixture.source.commit, /^[0-9a-f]{40}$/, fixture.file);
    }
  });

  it('every shared snippet is included by some fixture, and every include line names one', () => {
    const texts = manifest.filter((fixture) => fixture.kind !== 'include').map((fixture) => readFileSync(join(CORPUS, fixture.file), 'utf8'));
    const named = new Set(texts.flatMap((text) => [...text.matchAll(INCLUDE_LINE)].map((match) => match[1] as string)));
    assert.deepEqual([...named].sort(), [...includes.keys()].sort());
  });

  for (const fixture of manifest.filter((entry) => entry.kind !== 'include')) {
    it(`${fixture.file}: ${fixture.expect}`, async () => {
      const path = await workspace.write(fixture.file, wrap(fixture, expandIncludes(readFileSync(join(CORPUS, fixture.file), 'utf8'))));
      // analytics preview loads the config exactly as start does, and writes and sends nothing.
      const run = await runTbot(['analytics', 'preview', '--format', 'json', '-c', path], {
        cwd: workspace.dir,
        env: cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url }),
        timeoutMs: 15_000,
      });
      assert.doesNotMatch(run.stderr, /unknown field|unknown type/, 'a key tbot accepts was called unknown');
      // What tbot reads past is named, where it sits, and nothing else is.
      const ignored = run.stderr.split('\n').filter((line) => line.includes('is not used by tbot'));
      assert.deepEqual(
        ignored,
        (fixture.warnings ?? []).map((warning) => `warning: ${warning.replace('{file}', path)}`),
      );
      const located = new RegExp(`${escapeRegExp(path)}:\\d+:\\d+: `);
      switch (fixture.expect) {
        case 'loads':
          assert.equal(run.code, 0, run.stderr);
          assert.equal(JSON.parse(run.stdout).would_send, false);
          break;
        case 'needs-cluster': {
          assert.equal(run.code, 1, run.stderr);
          assert.match(run.stderr, /^tbot: this configuration uses parts of Teleport's tbot that need a Teleport cluster/);
          const lines = run.stderr
            .split('\n')
            .slice(1)
            .filter((line) => line.trim() !== '');
          // Each cluster-only key is explained where it sits, and nothing else is wrong with the file.
          for (const key of fixture.needsClusterKeys) {
            assert.match(
              run.stderr,
              new RegExp(`${located.source}${escapeRegExp(fieldOf(key))}: .* is valid in Teleport's tbot, but this agent cannot serve it: `),
              `${key} is not explained`,
            );
          }
          assert.equal(lines.length, fixture.needsClusterKeys.length, run.stderr);
          break;
        }
        case 'v1-migrate':
          assert.equal(run.code, 1, run.stderr);
          assert.match(run.stderr, new RegExp(`${located.source}version: `));
          assert.match(run.stderr, /tbot migrate -c OLD\.yaml -o NEW\.yaml|`version: v2` as the first line/);
          break;
        case 'rejected':
          assert.equal(run.code, 1, run.stderr);
          assert.match(run.stderr, /^tbot: invalid configuration/);
          assert.match(run.stderr, new RegExp(`${located.source}onboarding\\.ca_path: is set together with ca_pins, which tbot refuses`));
          assert.equal(run.stderr.trim().split('\n').length, 2, `the refusal is the only problem:\n${run.stderr}`);
          break;
      }
      assert.equal(receiver.connectionCount(), 0);
    });
  }

  it('a config that only lacks `version` is told to add it; a v1 layout is told how to migrate', async () => {
    const runFor = async (name: string) => {
      const fixture = manifest.find((entry) => entry.file === name) as Fixture;
      const path = await workspace.write(`again-${name}`, wrap(fixture, readFileSync(join(CORPUS, name), 'utf8')));
      return (await runTbot(['start', '--oneshot', '-c', path], { cwd: workspace.dir })).stderr;
    };
    assert.match(await runFor('docs-config-reference-cli-equivalent-no-version.yaml'), /`version: v2` as the first line/);
    assert.match(await runFor('v1-docs-upgrade-guide.yaml'), /tbot migrate -c OLD\.yaml -o NEW\.yaml.*v14-upgrade-guide/);
  });
});
