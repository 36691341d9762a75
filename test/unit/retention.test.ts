/**
 * The retention runner takes any number of targets (the local segments today, a shared store's
 * monthly partitions later): each gets the same cutoff, says what it dropped, and one that fails
 * is logged without stopping the others.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyRetention, type RetentionTarget, retentionCutoff } from '../../src/collector/store/retention.js';
import type { LogFields, Logger } from '../../src/log/logger.js';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, fields?: LogFields) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }, lines };
}

describe('retention runner', () => {
  it('runs every target against one cutoff; a failing target is logged and the next still runs', async () => {
    const cutoffs: [string, Date][] = [];
    const target = (name: string, drop: (cutoff: Date) => Promise<string[]>): RetentionTarget => ({
      name,
      dropBefore: (cutoff) => {
        cutoffs.push([name, cutoff]);
        return drop(cutoff);
      },
    });
    const { logger, lines } = recordingLogger();
    const cutoff = retentionCutoff(new Date('2026-12-05T10:00:00.000Z'), 30);
    assert.equal(cutoff.toISOString(), '2026-11-05T10:00:00.000Z');
    const dropped = await applyRetention(
      [
        target('local segments', async () => ['events-2026-10-01.ndjson.gz']),
        target('broken', async () => Promise.reject(Object.assign(new Error('no'), { code: 'EACCES' }))),
        target('monthly partitions', async () => ['events_2026_09']),
        target('nothing old', async () => []),
      ],
      cutoff,
      logger,
    );
    assert.deepEqual(
      cutoffs.map(([name, at]) => [name, at.toISOString()]),
      ['local segments', 'broken', 'monthly partitions', 'nothing old'].map((name) => [name, '2026-11-05T10:00:00.000Z']),
    );
    assert.deepEqual(
      [...dropped],
      [
        ['local segments', ['events-2026-10-01.ndjson.gz']],
        ['monthly partitions', ['events_2026_09']],
        ['nothing old', []],
      ],
    );
    assert.deepEqual(lines, [
      'info retention deleted {"target":"local segments","before":"2026-11-05T10:00:00.000Z","count":1,"deleted":"events-2026-10-01.ndjson.gz"}',
      'error retention failed; will try again on the next run {"target":"broken","error":"EACCES"}',
      'info retention deleted {"target":"monthly partitions","before":"2026-11-05T10:00:00.000Z","count":1,"deleted":"events_2026_09"}',
    ]);
  });
});
