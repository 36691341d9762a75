/**
 * `tbot-analytics/reporting` as an app gets it: the package export resolves to the built bundle
 * and its declarations, a TypeScript app type-checks against them, and neither the library nor
 * the agent carries a protobuf runtime or descriptors (they speak ProtoJSON).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

async function bundledSources(bundle: string): Promise<string[]> {
  return (JSON.parse(await readFile(join(ROOT, 'dist', `${bundle}.map`), 'utf8')) as { sources: string[] }).sources;
}

/** The agent's sources: every chunk's under dist/tbot/. */
async function agentSources(): Promise<string[]> {
  const maps = (await readdir(join(ROOT, 'dist', 'tbot'))).filter((name) => name.endsWith('.js.map'));
  return (await Promise.all(maps.map((name) => bundledSources(join('tbot', name.slice(0, -'.map'.length)))))).flat();
}

describe('the reporting package entry', () => {
  let app: Workspace;
  before(async () => {
    app = await makeWorkspace('tbot-reporting-app-');
    await mkdir(join(app.dir, 'node_modules'));
    await symlink(ROOT, join(app.dir, 'node_modules', 'tbot-analytics'));
  });
  after(() => app.remove());

  it('resolves to dist/reporting.mjs, and the bins stay reachable', () => {
    const resolved = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "for (const name of ['tbot-analytics/reporting', 'tbot-analytics/dist/tbot.cjs']) console.log(import.meta.resolve(name))"],
      { cwd: app.dir, encoding: 'utf8' },
    );
    assert.deepEqual(
      resolved
        .trim()
        .split('\n')
        .map((url) => fileURLToPath(url)),
      [join(ROOT, 'dist', 'reporting.mjs'), join(ROOT, 'dist', 'tbot.cjs')],
    );
  });

  it('a TypeScript app type-checks against the shipped declarations, and a clear string field is refused there too', async () => {
    await writeFile(
      join(app.dir, 'app.ts'),
      `import { createReporter, defineEventType, defineService, EphemeralDistinctId, fixedConsent, HmacAnonymizer } from 'tbot-analytics/reporting';
const Tab = defineEventType<{ root_cluster_name: string; tab_kind: string }>({ name: 'connect.tab.open', fields: { root_cluster_name: 'anonymize', tab_kind: 'plain' }, toWire: (fields) => ({ tabOpen: fields }) });
const service = defineService({ name: 'x.v1.S', events: [Tab], single: { path: '/x.v1.S/Submit', request: (meta, wire) => ({ ...meta, ...(wire as object) }), check: () => undefined } });
const reporter = createReporter({ service, endpoint: 'http://127.0.0.1:9', consent: fixedConsent(true), identity: new EphemeralDistinctId(), anonymizer: new HmacAnonymizer('k') });
reporter.capture(Tab.create({ root_cluster_name: 'prod', tab_kind: 'ssh' }));
// @ts-expect-error root_cluster_name must be declared
defineEventType<{ root_cluster_name: string }>({ name: 'x', fields: {}, toWire: () => ({}) });
`,
    );
    await writeFile(
      join(app.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true },
        files: ['app.ts'],
      }),
    );
    execFileSync(process.execPath, [TSC, '-p', app.dir], { cwd: app.dir, encoding: 'utf8' });
  });

  it('the library bundle carries no protobuf runtime, descriptors or schema compiler, and the agent none of the first two', async () => {
    const library = await bundledSources('reporting.mjs');
    assert.ok(
      library.some((source) => source.includes('src/reporting/reporter.ts')),
      'positive control',
    );
    assert.deepEqual(
      library.filter((source) => /@bufbuild|protobufjs|src\/protocol\/descriptor|node_modules\/ajv\//.test(source)),
      [],
    );
    const agent = await agentSources();
    assert.ok(
      agent.some((source) => source.includes('src/reporting/reporter.ts')),
      'the agent sends through the reporter',
    );
    assert.deepEqual(
      agent.filter((source) => /@bufbuild|protobufjs|src\/protocol\/descriptor/.test(source)),
      [],
    );
  });
});
