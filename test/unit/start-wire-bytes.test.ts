/**
 * tbot.start goes through the reporter with the same bytes as before it did: with the id and the
 * clock pinned, the request a real loopback receiver gets equals, byte for byte, the request the
 * agent built on its own before the reporter existed (recorded below from that code).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchAnalytics, prepareAnalyticsRequest } from '../../src/analytics/session.js';
import { loadConfig } from '../../src/config/load-config.js';
import { realPathOfExistingPrefix } from '../../src/fs/real-path.js';
import type { Logger } from '../../src/log/logger.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { CONFIG_DIR } from '../helpers/tbot-process.js';

const ID = '28addb0c-5d85-4c44-9f1b-82b5ed0401ce';
const AT = new Date('2026-11-23T07:58:05.485Z');
const GITHUB_HELPER = { _TBOT_TELEMETRY_HELPER: 'gha:teleport-actions/auth', _TBOT_TELEMETRY_HELPER_VERSION: '1.2.0' };

/** Recorded from the agent's own request builder (src/analytics/payload.ts + request.ts) before the reporter. */
const GOLDEN = [
  {
    file: 'minimal.yaml',
    env: {},
    body: '{"distinctId":"28addb0c-5d85-4c44-9f1b-82b5ed0401ce","timestamp":"2026-11-23T07:58:05.485Z","start":{"runMode":"RUN_MODE_DAEMON","version":"0.1.0","joinType":"token","destinationsOther":1,"destinationsDatabase":0,"destinationsKubernetes":0,"destinationsApplication":0}}',
  },
  {
    file: 'github-actions-oneshot.yaml',
    env: GITHUB_HELPER,
    body: '{"distinctId":"28addb0c-5d85-4c44-9f1b-82b5ed0401ce","timestamp":"2026-11-23T07:58:05.485Z","start":{"runMode":"RUN_MODE_ONE_SHOT","version":"0.1.0","joinType":"github","helper":"gha:teleport-actions/auth","helperVersion":"1.2.0","destinationsOther":1,"destinationsDatabase":0,"destinationsKubernetes":1,"destinationsApplication":0}}',
  },
  {
    file: 'host-continuous.yaml',
    env: {},
    body: '{"distinctId":"28addb0c-5d85-4c44-9f1b-82b5ed0401ce","timestamp":"2026-11-23T07:58:05.485Z","start":{"runMode":"RUN_MODE_DAEMON","version":"0.1.0","joinType":"iam","destinationsOther":1,"destinationsDatabase":1,"destinationsKubernetes":1,"destinationsApplication":1}}',
  },
];
const HEADERS = { 'content-type': 'application/json', 'connect-protocol-version': '1', accept: 'application/json', 'user-agent': 'tbot/0.1.0' };

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('tbot.start wire bytes through the reporter', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver('ok');
  });
  after(() => receiver.close());

  for (const golden of GOLDEN) {
    it(`${golden.file}: the same body and headers as the agent sent before the reporter`, async () => {
      const config = await loadConfig({
        source: { kind: 'file', path: join(CONFIG_DIR, golden.file) },
        flags: {},
        cwd: CONFIG_DIR,
        readFile: (path) => readFile(path, 'utf8'),
        realPath: realPathOfExistingPrefix(),
      });
      // Pinned id and clock; a continuous config gets no tally here, so no heartbeat is scheduled.
      const deps = {
        env: { TBOT_ANALYTICS_ENDPOINT: receiver.url, ...golden.env },
        version: '0.1.0',
        defaultEndpoint: 'http://127.0.0.1:9',
        logger: quiet,
        now: () => AT,
        randomUUID: () => ID,
        random: () => 0.5,
      };
      const before = receiver.requests.length;
      const session = launchAnalytics({ enabled: true, source: 'flag', decidedBy: '--anonymous-analytics', warnings: [] }, config, deps);
      await session.settled;
      assert.equal(receiver.requests.length, before + 1);
      const request = receiver.requests.at(-1)!;
      assert.equal(request.body, golden.body);
      assert.equal(request.url, '/prehog.v1alpha.TbotReportingService/SubmitTbotEvent');
      assert.deepEqual(Object.fromEntries(Object.keys(HEADERS).map((name) => [name, request.headers[name]])), HEADERS);
      assert.deepEqual(request.rawHeaderNames.map((name) => name.toLowerCase()).sort(), [
        'accept',
        'connect-protocol-version',
        'connection',
        'content-length',
        'content-type',
        'host',
        'user-agent',
      ]);
      // And preview prints that same request.
      const preview = prepareAnalyticsRequest(config, deps);
      assert.equal(preview.body, golden.body);
      assert.deepEqual(preview.headers, HEADERS);
    });
  }
});
