/** Destination locks on a tree of outputs: a run that wrote nothing leaves no directory behind. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lockDestinations } from '../../src/agent/destination-locks.js';
import type { BotConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/log/logger.js';
import { makeWorkspace } from '../helpers/workspace.js';

const KINDS = ['app', 'database', 'identity', 'kubernetes', 'ssh-host'];

/** Only what the locks read of a config: each output's destination. */
const configFor = (root: string): BotConfig =>
  ({ outputs: KINDS.map((kind) => ({ destination: { type: 'directory', path: join(root, '.tbot', 'all-kinds', kind) } })) }) as unknown as BotConfig;

describe('destination locks over nested output directories', () => {
  for (const how of ['release', 'releaseSync'] as const) {
    it(`${how} takes back every directory made only to hold the locks, the shared parents included`, async () => {
      const workspace = await makeWorkspace();
      try {
        const logger = createLogger({ level: 'error', format: 'text', write: () => undefined, now: () => new Date() });
        const locks = await lockDestinations(configFor(workspace.dir), { logger, now: () => new Date(), signal: new AbortController().signal });
        assert.deepEqual((await readdir(join(workspace.dir, '.tbot', 'all-kinds'))).sort(), KINDS);
        if (how === 'release') await locks.release();
        else locks.releaseSync();
        assert.deepEqual(await readdir(workspace.dir), []);
      } finally {
        await workspace.remove();
      }
    });
  }
});
