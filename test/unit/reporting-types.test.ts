/**
 * Declaring an event's sensitive fields is enforced by the compiler: `npm test` runs `tsc --noEmit`
 * over this file, and every `@ts-expect-error` below fails that run if the line it marks ever
 * compiles. The runtime rules, for JavaScript callers, are checked by the tests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createReporter,
  defineEventType,
  defineService,
  EphemeralDistinctId,
  EventTypeDefinitionError,
  fixedConsent,
  HmacAnonymizer,
  ServiceDefinitionError,
} from '../../src/reporting/index.js';

interface TabOpen {
  root_cluster_name: string;
  leaf_cluster_name?: string;
  tab_kind: 'ssh' | 'db' | 'kube';
  count: number;
  is_new: boolean;
}

const wire = (fields: TabOpen) => ({ tabOpen: fields });

export const declared = defineEventType<TabOpen>({
  name: 'test.tab.open',
  fields: { root_cluster_name: 'anonymize', leaf_cluster_name: 'anonymize', tab_kind: 'plain' },
  toWire: wire,
});

/** Never called: these definitions exist for the compiler, and the marked lines must not compile. */
export function typeOnlyDefinitions(): unknown[] {
  const undeclaredStringField = defineEventType<TabOpen>({
    name: 'test.tab.open',
    // @ts-expect-error leaf_cluster_name is a string field and is not declared
    fields: { root_cluster_name: 'anonymize', tab_kind: 'plain' },
    toWire: wire,
  });

  const literalUnionCountsAsString = defineEventType<TabOpen>({
    name: 'test.tab.open',
    // @ts-expect-error tab_kind (a union of string literals) must be declared too
    fields: { root_cluster_name: 'anonymize', leaf_cluster_name: 'anonymize' },
    toWire: wire,
  });

  const clusterNameSentPlain = defineEventType<TabOpen>({
    name: 'test.tab.open',
    // @ts-expect-error a cluster name can only be declared 'anonymize'
    fields: { root_cluster_name: 'plain', leaf_cluster_name: 'anonymize', tab_kind: 'plain' },
    toWire: wire,
  });

  const numbersNeedNoRule = defineEventType<TabOpen>({
    name: 'test.tab.open',
    // @ts-expect-error count is not a string field: there is nothing to declare
    fields: { root_cluster_name: 'anonymize', leaf_cluster_name: 'anonymize', tab_kind: 'plain', count: 'plain' },
    toWire: wire,
  });

  // @ts-expect-error events are flat: a nested object is not a field
  const nested = defineEventType<{ cluster: { name: string } }>({ name: 'test.nested', fields: {}, toWire: () => ({}) });
  return [undeclaredStringField, literalUnionCountsAsString, clusterNameSentPlain, numbersNeedNoRule, nested];
}

const service = defineService({
  name: 'tbotanalytics.test.v1.TestReportingService',
  events: [declared],
  single: { path: '/tbotanalytics.test.v1.TestReportingService/SubmitTestEvent', request: (meta, body) => ({ ...meta, ...(body as object) }), check: () => undefined },
});
const reporter = createReporter({
  service,
  endpoint: 'http://127.0.0.1:9',
  consent: fixedConsent(true),
  identity: new EphemeralDistinctId(),
  anonymizer: new HmacAnonymizer('test-key'),
});
const Other = defineEventType<{ kind: string }>({ name: 'test.other', fields: { kind: 'plain' }, toWire: (fields) => fields });

export function typeOnlyCalls(): void {
  reporter.capture(declared.create({ root_cluster_name: 'prod', tab_kind: 'ssh', count: 1, is_new: true }));
  // @ts-expect-error an event type the service does not carry
  reporter.capture(Other.create({ kind: 'x' }));
  // @ts-expect-error a field the event type does not have
  reporter.capture(declared.create({ root_cluster_name: 'prod', tab_kind: 'ssh', count: 1, is_new: true, hostname: 'h' }));
}

describe('event type declarations at run time (for JavaScript callers)', () => {
  it('refuses a name-like field declared plain, and an unknown rule', () => {
    const define = defineEventType as (definition: unknown) => unknown;
    assert.throws(() => define({ name: 'x', fields: { user_name: 'plain' }, toWire: () => ({}) }), EventTypeDefinitionError);
    assert.throws(() => define({ name: 'x', fields: { clusterName: 'plain' }, toWire: () => ({}) }), EventTypeDefinitionError);
    assert.throws(() => define({ name: 'x', fields: { kind: 'hash' }, toWire: () => ({}) }), /expected "anonymize" or "plain"/);
  });

  it('lists the sensitive fields in declaration order', () => {
    assert.deepEqual(declared.sensitive, ['root_cluster_name', 'leaf_cluster_name']);
  });

  it('capture() refuses a string field the type does not declare, and an event to anonymize with no anonymizer', () => {
    const lines: string[] = [];
    const strict = createReporter({
      service,
      endpoint: 'http://127.0.0.1:9',
      consent: fixedConsent(true),
      identity: new EphemeralDistinctId(),
      logger: { debug: (line) => lines.push(line) },
    });
    const sneaky = { root_cluster_name: 'prod', tab_kind: 'ssh', count: 1, is_new: true, hostname: 'alice-laptop' } as TabOpen;
    assert.equal(reporter.capture(declared.create(sneaky)), false);
    assert.equal(strict.capture(declared.create({ root_cluster_name: 'prod', tab_kind: 'ssh', count: 1, is_new: true })), false);
    assert.deepEqual(lines, ['analytics not captured: test.tab.open: it has fields to anonymize and no anonymizer was given']);
    assert.equal(reporter.stats().refused, 1);
    assert.equal(reporter.stats().captured, 0);
  });

  it('capture() anonymizes before buffering: the preview carries the HMAC, never the name; an empty leaf stays empty', () => {
    const preview = reporter.preview(declared.create({ root_cluster_name: 'prod', leaf_cluster_name: '', tab_kind: 'ssh', count: 1, is_new: true }), {
      distinctId: 'id',
      timestamp: 't',
    });
    assert.ok(preview.ok);
    assert.deepEqual(JSON.parse(preview.request.body).tabOpen, {
      root_cluster_name: new HmacAnonymizer('test-key').anonymize('prod'),
      leaf_cluster_name: '',
      tab_kind: 'ssh',
      count: 1,
      is_new: true,
    });
  });

  it('a service needs Connect procedure paths and a batch max from 1 to 500', () => {
    const single = { path: '/a.v1.S/M', request: () => ({}), check: () => undefined };
    assert.throws(() => defineService({ name: 'a', events: [], single: { ...single, path: 'SubmitEvent' } }), ServiceDefinitionError);
    assert.throws(() => defineService({ name: 'a', events: [], single, batch: { ...single, path: '/a.v1.S/Many', max: 501 } }), /batch max 501/);
  });
});
