/** `tbot wait`'s polling loop with its clock, pauses and HTTP client replaced: URL, backoff, outcome. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiagAddressError, MAX_PAUSE_MS, pauseMs, waitForReady, WaitTimeoutError, waitUrl, type WaitDeps } from '../../src/diag/wait-for-ready.js';
import type { Logger } from '../../src/log/logger.js';

function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe('waitUrl: tbot’s URL for --diag-addr and --service', () => {
  const cases: [string, string | undefined, string][] = [
    ['127.0.0.1:3001', undefined, 'http://127.0.0.1:3001/wait'],
    ['127.0.0.1:3001', 'web', 'http://127.0.0.1:3001/wait/web'],
    ['localhost:3001', 'identity (directory /srv/out)', 'http://localhost:3001/wait/identity%20(directory%20%2Fsrv%2Fout)'],
    ['http://[::1]:3001/', undefined, 'http://[::1]:3001/wait'],
    ['https://diag.example.com/prefix/', 'a', 'https://diag.example.com/prefix/wait/a'],
  ];
  for (const [address, service, expected] of cases) it(`${address} ${service ?? ''}`, () => assert.equal(waitUrl(address, service), expected));
  it('an address that is no URL is refused', () => assert.throws(() => waitUrl('127.0.0.1:port'), DiagAddressError));
});

describe('pauseMs: 20 ms doubling to 2 s, half jitter', () => {
  it('stays within [d/2, d] of tbot’s exponential schedule', () => {
    const full = [20, 40, 80, 160, 320, 640, 1280, 2000, 2000, 2000];
    full.forEach((d, index) => {
      assert.equal(pauseMs(index + 1, 0), d / 2);
      assert.ok(pauseMs(index + 1, 0.999) < d && pauseMs(index + 1, 0.999) > d / 2);
    });
    assert.equal(pauseMs(1_000, 1), MAX_PAUSE_MS);
  });
});

describe('waitForReady', () => {
  function deps(statuses: (number | Error)[], lines: string[], pauses: number[]): WaitDeps {
    let clock = 0;
    return {
      get: async () => {
        const next = statuses.shift();
        if (next === undefined) throw new Error('polled too often');
        if (next instanceof Error) throw next;
        return next;
      },
      sleep: async (ms) => {
        pauses.push(ms);
        clock += ms;
        return true;
      },
      random: () => 0.5,
      now: () => clock,
      logger: recordingLogger(lines),
    };
  }

  it('polls through failures and 5xx until an answer below 400, pausing more each time', async () => {
    const lines: string[] = [];
    const pauses: number[] = [];
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    await waitForReady('http://h/wait', new AbortController().signal, 'no timeout', deps([refused, 503, 503, 204], lines, pauses));
    assert.deepEqual(pauses, [15, 30, 60]);
    assert.match(lines[0] ?? '', /^debug wait failed, retrying .*connection refused/);
    assert.match(lines[1] ?? '', /HTTP 503/);
    assert.equal(lines.at(-1), 'info bot reported healthy {"after":"0.105s"}');
  });

  it('gives up when the deadline aborts, with the last answer in the error', async () => {
    const lines: string[] = [];
    const deadline = new AbortController();
    const base = deps([503, 404], lines, []);
    const waiting = waitForReady('http://h/wait/x', deadline.signal, '1s', {
      ...base,
      sleep: async () => {
        deadline.abort();
        return false;
      },
    });
    await assert.rejects(
      waiting,
      (error: unknown) => error instanceof WaitTimeoutError && error.message === 'the agent at http://h/wait/x was not ready within 1s (last answer: HTTP 503)',
    );
    assert.equal(lines.at(-1), 'warn bot did not become ready in time {"timeout":"1s"}');
  });
});
