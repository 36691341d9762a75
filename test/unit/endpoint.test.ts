import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEndpoint, resolveEndpoint } from '../../src/analytics/endpoint.js';
import { EndpointError } from '../../src/errors.js';

describe('analytics endpoint', () => {
  it('TBOT_ANALYTICS_ENDPOINT wins over TELEPORT_ANONYMOUS_TELEMETRY_ADDRESS, which wins over the build default', () => {
    assert.equal(resolveEndpoint({ TBOT_ANALYTICS_ENDPOINT: 'http://a:1', TELEPORT_ANONYMOUS_TELEMETRY_ADDRESS: 'http://b:2' }, 'http://c:3').base, 'http://a:1');
    assert.equal(resolveEndpoint({ TELEPORT_ANONYMOUS_TELEMETRY_ADDRESS: 'http://b:2' }, 'http://c:3').base, 'http://b:2');
    assert.equal(resolveEndpoint({}, 'http://c:3').base, 'http://c:3');
  });

  it('keeps a path prefix and drops trailing slashes', () => {
    assert.equal(parseEndpoint('https://collector.test/ingest/', 'test').base, 'https://collector.test/ingest');
  });

  const rejected: [string, RegExp][] = [
    ['not a url', /absolute URL/],
    ['ftp://collector.test', /scheme ftp/],
    ['file:///etc/passwd', /scheme file/],
    ['https://user:secret@collector.test', /credentials/],
    ['https://collector.test/?id=alice', /query string/],
    ['https://collector.test/?', /query string/],
    ['https://collector.test/#frag', /fragment/],
  ];
  for (const [text, reason] of rejected) {
    it(`rejects ${text}`, () =>
      assert.throws(
        () => parseEndpoint(text, 'test'),
        (error: unknown) => error instanceof EndpointError && reason.test(error.message),
      ));
  }
});
