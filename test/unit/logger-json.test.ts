/**
 * --log-format json writes Go tbot's line shape: the same field names, in the same order, with the
 * same value forms, as the line in test/fixtures/teleport-logs (built from Teleport's slog JSON
 * handler; its MANIFEST.json names the files and commits). Go's `caller` is the one field left out.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { createLogger, type LogFields, type LogLevel } from '../../src/log/logger.js';

const goLine = async (): Promise<Record<string, unknown>> =>
  JSON.parse((await readFile(new URL('../fixtures/teleport-logs/tbot-json-line.ndjson', import.meta.url), 'utf8')).trim()) as Record<string, unknown>;

function jsonLine(level: LogLevel, message: string, fields: LogFields = {}, at = new Date('2026-12-05T11:15:30.987Z')): Record<string, unknown> {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line), now: () => at, component: 'tbot' });
  logger[level](message, fields);
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.endsWith('}\n'), 'one line');
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('--log-format json: the line shape of Go tbot', () => {
  it("the agent's line has Go's fields, in Go's order and forms, caller aside", async () => {
    const go = await goLine();
    const ours = jsonLine('warn', String(go['message']), { output: 'identity', attempt: 2 });
    assert.deepEqual(
      Object.keys(ours),
      Object.keys(go).filter((key) => key !== 'caller'),
    );
    for (const [key, value] of Object.entries(ours)) assert.equal(typeof value, typeof go[key], key);
    assert.deepEqual(ours, Object.fromEntries(Object.entries(go).filter(([key]) => key !== 'caller')));
  });

  it('levels use Go handler names, warn spelt warning', () => {
    const names = (['debug', 'info', 'warn', 'error'] as const).map((level) => jsonLine(level, 'x')['level']);
    assert.deepEqual(names, ['debug', 'info', 'warning', 'error']);
  });

  it('the timestamp is RFC 3339 in UTC to the second, as time.RFC3339 prints it', () => {
    assert.equal(jsonLine('info', 'x', {}, new Date('2026-01-02T03:04:05.999Z'))['timestamp'], '2026-01-02T03:04:05Z');
  });

  it("a line's own field named like a built-in one is kept under fields.<name>, never overwriting it", () => {
    const line = jsonLine('info', 'the message', { message: 'a field', level: 'x', output: 'o' });
    assert.equal(line['message'], 'the message');
    assert.equal(line['level'], 'info');
    assert.equal(line['fields.message'], 'a field');
    assert.equal(line['fields.level'], 'x');
    assert.equal(line['output'], 'o');
  });

  it('fields left undefined are left out, and the text format is unchanged', () => {
    assert.equal('skipped' in jsonLine('info', 'x', { skipped: undefined }), false);
    const lines: string[] = [];
    createLogger({ level: 'info', format: 'text', write: (line) => lines.push(line), now: () => new Date('2026-12-05T11:15:30.011Z'), component: 'tbot' }).warn('hello', { a: 1 });
    assert.deepEqual(lines, ['2026-12-05T11:15:30.011Z WARN  hello a=1\n']);
  });
});
