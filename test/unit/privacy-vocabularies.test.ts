/**
 * Closed-vocabulary fields and the free-text screen, as pure functions: every closed field of the
 * Connect and Discover contracts turns a host name into `other`, versions keep their numbers and
 * lose anything else, and every error text from issue 18 is dropped however its dots are written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import discoverEventSchema from '../../schemas/discover-event.schema.json' with { type: 'json' };
import usageVocabulariesSchema from '../../schemas/usage-vocabularies.schema.json' with { type: 'json' };
import { CONNECT_EVENTS } from '../../src/protocol/connect-wire.js';
import { ERROR_CLASSES, normalizeFreeText, REDACTED, screenFreeText } from '../../src/protocol/free-text.js';
import { CONNECT_CLOSED_FIELDS, closeVocabulary, DISCOVER_REQUEST_CLOSED_FIELDS, isVersion, OTHER } from '../../src/protocol/vocabularies.js';
import { validateSubmitConnectEvent, validateSubmitConnectExtraEvent } from '../../src/schemas/validators.js';
import { connectRequest } from '../helpers/usage-events.js';

const HOST = 'host01.corp.example.com';

describe('closed-vocabulary fields', () => {
  it('covers every closed field of the Connect and Discover contracts', () => {
    const closed = [...CONNECT_CLOSED_FIELDS].flatMap(([member, fields]) => [...fields.keys()].map((field) => `${member}.${field}`)).sort();
    assert.deepEqual(closed, [
      'accessRequestCreate.kind',
      'accessRequestsCreate.kind',
      'clusterLogin.appVersion',
      'clusterLogin.arch',
      'clusterLogin.connectorType',
      'clusterLogin.os',
      'clusterLogin.osVersion',
      'commandBarAutocompleteSelect.suggestionKind',
      'commandBarCommandRun.commandKind',
      'connectMyComputerSetup.failedStep',
      'connectionsPickerItemSelect.connectionKind',
      'dbProxyRunCli.protocol',
      'protocolUse.accessThrough',
      'protocolUse.origin',
      'protocolUse.protocol',
      'resourceTableSearch.resourceKind',
      'start.arch',
      'start.connectVersion',
      'start.os',
      'start.osVersion',
      'tabOpen.tabKind',
      'userJobRoleUpdate.jobRole',
    ]);
    assert.deepEqual([...DISCOVER_REQUEST_CLOSED_FIELDS.keys()], ['teleportVersion']);
  });

  it('leaves no string field of a Connect event open but the sensitive ones', () => {
    for (const spec of CONNECT_EVENTS) {
      const body = connectRequest(spec)[spec.member] as Record<string, unknown>;
      for (const [field, value] of Object.entries(body)) {
        if (typeof value !== 'string' || field in spec.sensitive) continue;
        assert.ok(CONNECT_CLOSED_FIELDS.get(spec.member)?.has(field), `${spec.member}.${field} is free text`);
      }
    }
  });

  it(`stores ${HOST} in every closed field as "other", and the result passes the schema`, () => {
    for (const spec of CONNECT_EVENTS) {
      const request = connectRequest(spec);
      const event = request[spec.member] as Record<string, unknown>;
      const fields = CONNECT_CLOSED_FIELDS.get(spec.member);
      for (const field of fields?.keys() ?? []) event[field] = HOST;
      const replaced = closeVocabulary(event, fields, `${spec.member}.`);
      assert.deepEqual(
        replaced,
        [...(fields?.keys() ?? [])].map((field) => `${spec.member}.${field}`),
      );
      for (const field of fields?.keys() ?? []) assert.equal(event[field], OTHER);
      const validator = spec.contract === 'prehog' ? validateSubmitConnectEvent : validateSubmitConnectExtraEvent;
      assert.ok(validator(request), `${spec.member}: ${JSON.stringify(validator.errors)}`);
    }
  });

  it('keeps every sample value the contracts document', () => {
    for (const spec of CONNECT_EVENTS) {
      const event = connectRequest(spec)[spec.member] as Record<string, unknown>;
      assert.deepEqual(closeVocabulary(event, CONNECT_CLOSED_FIELDS.get(spec.member)), [], spec.member);
    }
  });

  it('gives every vocabulary an "other"', () => {
    for (const [name, definition] of Object.entries(usageVocabulariesSchema.definitions)) assert.ok((definition.enum as string[]).includes(OTHER), name);
  });

  const versions: [string, boolean][] = [
    ['17.0.1', true],
    ['v17.0.1', true],
    ['18.0.0-alpha.1', true],
    ['17.1.0-rc.2', true],
    ['23.4.0', true],
    ['10.0.22631', true],
    ['6.5.0-14-generic', true],
    ['6.1.0-18-amd64', true],
    ['5.15.153.1-microsoft-standard-WSL2', true],
    ['4.18.0-513.el8.x86_64', true],
    ['6.1.55-75.123.amzn2023.x86_64', true],
    ['', true],
    ['6.1.0-host03.alice.example.com', false],
    ['17.0.0+host04.alice.laptop.local', false],
    ['17.0.0-alice', false],
    ['17.0.0 alice', false],
    ['host01', false],
    [`17.0.0-${'1.'.repeat(40)}1`, false],
  ];
  for (const [version, kept] of versions)
    it(`${kept ? 'keeps' : 'replaces'} the version ${JSON.stringify(version.slice(0, 40))}`, () => {
      assert.equal(isVersion(version), kept);
      const event = { osVersion: version, appVersion: version };
      closeVocabulary(event, CONNECT_CLOSED_FIELDS.get('clusterLogin'));
      assert.deepEqual(event, kept ? { osVersion: version, appVersion: version } : { osVersion: OTHER, appVersion: OTHER });
    });

  it("stores a job title the user typed as other, and keeps Connect's own", () => {
    const typed = { jobRole: 'Head of Platform at Acme' };
    closeVocabulary(typed, CONNECT_CLOSED_FIELDS.get('userJobRoleUpdate'));
    assert.deepEqual(typed, { jobRole: OTHER });
    const listed = { jobRole: 'Solutions Architect' };
    closeVocabulary(listed, CONNECT_CLOSED_FIELDS.get('userJobRoleUpdate'));
    assert.deepEqual(listed, { jobRole: 'Solutions Architect' });
  });

  it('stores an error class from the same list the classifier uses', () => {
    assert.deepEqual(discoverEventSchema.definitions.status.properties.errorClass.enum, [...ERROR_CLASSES]);
  });
});

describe('the free-text screen on look-alikes and unlisted words', () => {
  const issueExamples = [
    'db01\u2024host\u2024example\u2024com refused',
    '\uFF48\uFF4F\uFF53\uFF54\uFF0E\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45\uFF0E\uFF43\uFF4F\uFF4D timeout',
    'user alice on database orders',
    'token ABCtoken\u2026',
  ];
  const lookAlikes = [
    'db01\u3002host timeout',
    'db01\uFE52host timeout',
    'db01\uFF61host timeout',
    'open var\u2215lib\u2215teleport failed',
    'open var\u2044lib failed',
    'open var\uFF0Flib failed',
    'alice\uFF20corp denied',
    'connection to db\u200B01 refused',
    'permission denied for alice',
    'timeout after 5432 seconds',
  ];
  for (const text of [...issueExamples, ...lookAlikes])
    it(`drops ${JSON.stringify(text)}`, () => {
      const screened = screenFreeText(text);
      assert.equal(screened.kept, false);
      assert.equal(screened.text, REDACTED);
    });

  it('normalizes before screening: the look-alike dots and slashes read as ASCII', () => {
    assert.equal(normalizeFreeText('a\u2024b\u3002c\uFF0Ed\u2215e\u2044f\uFF0Fg\uFF20h'), 'a.b.c.d/e/f/g@h');
    assert.equal(normalizeFreeText('zero\u200Bwidth'), 'zerowidth');
  });

  const kept = [
    'context deadline exceeded',
    'x509: certificate signed by unknown authority',
    'rpc error: code = Unavailable desc = connection refused',
    'access denied: your roles do not allow enrolling resources',
    'HTTP 403: AccessDenied',
  ];
  for (const text of kept)
    it(`keeps ${JSON.stringify(text)}, and keeps it again unchanged`, () => {
      const screened = screenFreeText(text);
      assert.deepEqual(screened, { kept: true, text });
      assert.deepEqual(screenFreeText(screened.text), screened);
    });

  it('stores a kept text in its normalized form', () => {
    assert.deepEqual(screenFreeText('\uFF54\uFF49\uFF4D\uFF45\uFF4F\uFF55\uFF54'), { kept: true, text: 'timeout' });
  });
});
