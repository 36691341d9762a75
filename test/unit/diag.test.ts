import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputStatusBoard } from '../../src/agent/output-status.js';
import { agentMetricFamilies } from '../../src/diag/agent-metrics.js';
import { renderPrometheusText } from '../../src/diag/prometheus-text.js';
import { readyzBody } from '../../src/diag/readyz.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus.js';

describe('/readyz bodies', () => {
  it('every output starts initializing, so the agent is not ready until each has been renewed once', () => {
    const board = new OutputStatusBoard([
      { name: 'a', kind: 'identity' },
      { name: 'b', kind: 'database' },
    ]);
    assert.deepEqual(readyzBody(board.list()), { status: 'unhealthy', services: { a: { status: 'initializing' }, b: { status: 'initializing' } } });
    board.renewed('a', new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T01:00:00Z'));
    assert.equal(readyzBody(board.list()).status, 'unhealthy');
    board.renewed('b', new Date('2030-01-01T00:00:01Z'), new Date('2030-01-01T01:00:01Z'));
    assert.deepEqual(readyzBody(board.list()), {
      status: 'healthy',
      services: { a: { status: 'healthy', updated_at: '2030-01-01T00:00:00.000Z' }, b: { status: 'healthy', updated_at: '2030-01-01T00:00:01.000Z' } },
    });
  });

  it('a failure makes the output unhealthy with its reason; the next success clears it', () => {
    const board = new OutputStatusBoard([{ name: 'a', kind: 'identity' }]);
    board.renewed('a', new Date(0), new Date(3_600_000));
    board.failed('a', new Date(1_000), 'disk full');
    assert.deepEqual(readyzBody(board.list()).services['a'], { status: 'unhealthy', reason: 'disk full', updated_at: '1970-01-01T00:00:01.000Z' });
    board.renewed('a', new Date(2_000), new Date(3_602_000));
    assert.deepEqual(readyzBody(board.list()).services['a'], { status: 'healthy', updated_at: '1970-01-01T00:00:02.000Z' });
    assert.deepEqual({ renewals: board.get('a')?.renewals, failures: board.get('a')?.failures }, { renewals: 2, failures: 1 });
  });
});

describe('Prometheus text', () => {
  it('label values with quotes, backslashes and newlines survive a round trip through a strict parser', () => {
    const awkward = 'identity (directory /tmp/a "b" \\ c\nd)';
    const board = new OutputStatusBoard([
      { name: awkward, kind: 'identity' },
      { name: 'plain', kind: 'workload-identity-jwt' },
    ]);
    board.renewed(awkward, new Date(10_000), new Date(70_000));
    board.failed('plain', new Date(10_000), 'x');
    const text = renderPrometheusText(agentMetricFamilies(board.list(), new Date(40_000), new Date(5_500)));
    const families = parsePrometheusText(text);
    assert.equal(sampleValue(families, 'tbot_output_renewals_total', { output: awkward, kind: 'identity' }), 1);
    assert.equal(sampleValue(families, 'tbot_output_renewal_failures_total', { output: 'plain', kind: 'workload-identity-jwt' }), 1);
    assert.equal(sampleValue(families, 'tbot_output_time_to_expiry_seconds', { output: awkward }), 30);
    assert.equal(sampleValue(families, 'tbot_output_time_to_expiry_seconds', { output: 'plain' }), undefined);
    assert.equal(sampleValue(families, 'tbot_output_healthy', { output: 'plain' }), 0);
    assert.equal(sampleValue(families, 'process_start_time_seconds'), 5.5);
  });

  it('the test parser refuses what Prometheus would refuse (so a scrape test can fail)', () => {
    const bad = [
      'no_type 1\n',
      '# TYPE m counter\nm{a="x} 1\n',
      '# TYPE m counter\nm{a="x"} one\n',
      '# TYPE m counter\nm 1\nm 2\n',
      '# TYPE m counter\nm{a="\\q"} 1\n',
      '# TYPE m counter\nm 1',
    ];
    for (const text of bad) assert.throws(() => parsePrometheusText(text), SyntaxError, JSON.stringify(text));
    assert.equal(sampleValue(parsePrometheusText('# HELP m h\n# TYPE m gauge\nm{a="1",b="2"} -Inf\n'), 'm', { b: '2' }), -Infinity);
  });
});
