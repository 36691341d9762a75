import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jitteredIntervalMs, retryDelayMs, runAgent } from '../../src/agent/run-agent.js';
import type { CycleReport, RenewalCycle } from '../../src/agent/renewal-cycle.js';
import type { BotConfig } from '../../src/config/types.js';
import { RenewalError } from '../../src/errors.js';
import type { Logger } from '../../src/log/logger.js';

function recordingLogger(lines: string[]): Logger {
  const push = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

const idle = { settled: Promise.resolve(undefined), abort() {}, drain: async () => true };

function config(overrides: Partial<BotConfig>): BotConfig {
  return { joinMethod: 'token', storage: { type: 'memory' }, outputs: [], oneshot: false, debug: false, credentialTtlMs: 200, renewalIntervalMs: 40, warnings: [], ...overrides };
}

describe('renewal scheduling', () => {
  it('retries back off 1 s, 2 s, 4 s … capped at 5 minutes and at the renewal interval', () => {
    assert.deepEqual([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 20 * 60_000)), [1_000, 2_000, 4_000, 8_000]);
    assert.equal(retryDelayMs(20, 20 * 60_000), 5 * 60_000);
    assert.equal(retryDelayMs(5, 3_000), 3_000);
  });

  it('jitter only ever renews early, by at most 10%', () => {
    assert.equal(jitteredIntervalMs(1_000, 0), 1_000);
    assert.equal(jitteredIntervalMs(1_000, 0.999999), 900);
  });

  it('one-shot: a failed renewal exits 1, a good one 0', async () => {
    const failing: RenewalCycle = { renew: async () => Promise.reject(new RenewalError('x', 'boom')) };
    const lines: string[] = [];
    const deps = { analytics: idle, logger: recordingLogger(lines), now: () => new Date(), random: () => 0 };
    assert.equal(await runAgent(config({ oneshot: true }), { ...deps, cycle: failing }, new AbortController().signal), 1);
    assert.ok(lines.some((line) => line.startsWith('error renewal failed for x: boom')));
    const good: RenewalCycle = { renew: async ({ now }) => ({ outputs: [], interrupted: false, expiresAt: new Date(now.getTime() + 1) }) };
    assert.equal(await runAgent(config({ oneshot: true }), { ...deps, cycle: good }, new AbortController().signal), 0);
  });

  it('continuous: an interval past the 2^31-1 ms timer limit waits instead of renewing every millisecond', async () => {
    let calls = 0;
    const cycle: RenewalCycle = { renew: async ({ now }) => ((calls += 1), { outputs: [], interrupted: false, expiresAt: new Date(now.getTime() + 1) }) };
    const stop = new AbortController();
    const huge = 2 ** 31 + 60_000;
    const running = runAgent(config({ credentialTtlMs: huge * 2, renewalIntervalMs: huge }), { cycle, analytics: idle, logger: recordingLogger([]), now: () => new Date(), random: () => 0 }, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop.abort();
    assert.equal(await running, 0);
    assert.equal(calls, 1);
  });

  it('continuous: after a success, failures are retried, each attempt logged, and expiry is warned about', async () => {
    let calls = 0;
    const cycle: RenewalCycle = {
      renew: async ({ now }): Promise<CycleReport> => {
        calls += 1;
        if (calls === 1) return { outputs: [], interrupted: false, expiresAt: new Date(now.getTime() + 1_000) };
        throw new RenewalError('destination', 'disk full');
      },
    };
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runAgent(config({ credentialTtlMs: 1_000 }), { cycle, analytics: idle, logger: recordingLogger(lines), now: () => new Date(), random: () => 0 }, stop.signal);
    // Interval 40 ms caps the backoff, so attempts come every ~40 ms: several fall in the last 10%
    // (100 ms) of the 1 s credentials, and some after they expire.
    await new Promise((resolve) => setTimeout(resolve, 1_250));
    stop.abort();
    assert.equal(await running, 0);
    assert.ok(lines.some((line) => line.startsWith('warn renewal attempt 1 failed; retrying in 40ms')));
    assert.ok(lines.some((line) => line.startsWith('warn renewal attempt 2 failed')));
    assert.ok(lines.some((line) => line.startsWith('warn credentials expire soon')), lines.join('\n'));
    assert.ok(lines.some((line) => line.startsWith('warn credentials have expired')), lines.join('\n'));
  });
});
