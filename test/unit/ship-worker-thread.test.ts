/**
 * The serving thread's side of the ship worker (start-shipping.ts), against a stand-in worker that
 * speaks the same protocol (test/fixtures/ship-worker-stand-in.mjs): a schema too new refuses the
 * start with the typed error; notices reach the worker summed, with the writes made since; a worker that dies is started again
 * and its state shows once more; retention's drops are answered; close ends the thread. The real
 * worker, with PostgreSQL behind it, runs in test/e2e/collector-postgres.test.ts and its neighbours.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startShipping } from '../../src/collector/ship/start-shipping.js';
import { SchemaTooNewError } from '../../src/collector/store/postgres/migrations.js';
import { parseStoreUrl } from '../../src/collector/store/postgres/store-url.js';
import type { LogFields, Logger } from '../../src/log/logger.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const STAND_IN = new URL('../fixtures/ship-worker-stand-in.mjs', import.meta.url);

function recordingLogger(): { logger: Logger; lines: string[]; seen(pattern: RegExp): Promise<void> } {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
      for (const waiter of waiters.filter((one) => lines.some((line) => one.pattern.test(line)))) waiter.resolve();
    };
  const seen = (pattern: RegExp): Promise<void> =>
    lines.some((line) => pattern.test(line)) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ pattern, resolve }));
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines, seen };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the ship worker thread, from the serving side', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-ship-worker-');
  });
  after(async () => workspace.remove());

  const dirFor = async (name: string): Promise<string> => {
    const dir = join(workspace.dir, name);
    await mkdir(dir);
    return dir;
  };
  const options = (dataDir: string, logger: Logger) => ({
    store: parseStoreUrl('postgres://u@127.0.0.1:1/db', '--store'),
    dataDir,
    logger,
    now: () => new Date('2026-12-01T00:00:00Z'),
    worker: STAND_IN,
  });

  it('refuses to start with the typed error when the worker finds the schema too new', async () => {
    const dir = await dirFor('refuse');
    await writeFile(join(dir, 'refuse-schema'), '');
    await assert.rejects(startShipping(options(dir, recordingLogger().logger)), (error: unknown) => {
      assert.ok(error instanceof SchemaTooNewError);
      assert.equal(error.databaseVersion, 9);
      assert.equal(error.knownVersion, 1);
      return true;
    });
  });

  it('notices reach the worker with their mark and the writes made since, starts a worker that died again, answers drops, and closes', async () => {
    const dir = await dirFor('crash');
    await writeFile(join(dir, 'crash-once'), '');
    const { logger, lines, seen } = recordingLogger();
    const shipping = await startShipping(options(dir, logger));
    await seen(/^error the PostgreSQL shipper stopped unexpectedly; starting it again/);
    // The second start logs its own line; its crash flag is off.
    await seen(/^info stand-in started \{"crash":false\}/);
    assert.equal(lines.filter((line) => line.startsWith('info stand-in started')).length, 2, lines.join('\n'));
    for (let index = 0; index < 5; index += 1) shipping.notify(2);
    // Before the worker answers, the gauge counts what was noticed; then the worker's own figure.
    assert.equal(shipping.gauges().backlogEvents, 10);
    await until(() => shipping.gauges().backlogEvents === 110);
    assert.equal(shipping.gauges().postgresUp, true);
    assert.deepEqual(await shipping.retention.dropBefore(new Date('2026-10-01T00:00:00Z')), ['2026-10']);

    // Writes go with the next notice, one buffer of its own per run of writes that follow on from one another.
    const segment = 'events-2026-12-01.ndjson';
    const pooled = Buffer.from('..a\nb\n');
    shipping.written(segment, 0, pooled.subarray(2, 4));
    shipping.written(segment, 2, pooled.subarray(4, 6));
    shipping.written(segment, 9, Buffer.from('c\n'));
    await seen(/^info stand-in written/);
    assert.deepEqual(
      lines.filter((line) => line.startsWith('info stand-in written')),
      [
        `info stand-in written ${JSON.stringify({
          runs: [
            [segment, 0, 'a\nb\n', 4],
            [segment, 9, 'c\n', 2],
          ],
          lost: false,
        })}`,
      ],
    );
    // More than the serving side holds for one notice: dropped, and the worker told it lost some.
    shipping.written(segment, 11, Buffer.alloc(17 * 1024 * 1024, 0x0a));
    await seen(/^info stand-in written \{"runs":\[\],"lost":true\}/);
    await shipping.close();
    // Closed: notices go nowhere, and closing again is a no-op.
    shipping.notify(1);
    await shipping.close();
  });
});
