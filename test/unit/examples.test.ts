/**
 * The example apps' scripts as data: every event they can produce passes the schema the collector
 * applies (rendered by the reporter itself, without a network), every flow names real Discover
 * steps in wizard order, every step a run can fail at has a message, and the platform shape holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONNECT_EXTRA_SERVICE, CONNECT_SERVICE, TabOpen } from '../../examples/connect-session/events.js';
import { platformOf, sessionActions } from '../../examples/connect-session/session.js';
import { DISCOVER_EVENTS, DISCOVER_SERVICE } from '../../examples/discover-wizard/events.js';
import { flowOf, RESOURCE_NAMES, RESOURCES, STEP_ERRORS, STEP_NAMES, stepName, stepProblem, wizardRun, type WizardPlan } from '../../examples/discover-wizard/flows.js';
import { DISCOVER_STEPS, discoverStepIndex } from '../../src/protocol/discover-wire.js';
import { classifyError } from '../../src/protocol/free-text.js';
import { createReporter, EphemeralDistinctId, fixedConsent, HmacAnonymizer, type AnyEventType, type CaptureOf, type ServiceDescriptor } from '../../src/reporting/index.js';

const anonymizer = new HmacAnonymizer('example-cluster-key');

/** The request the reporter would send for `event`, or why the service's schema refuses it. */
function preview<E extends AnyEventType>(service: ServiceDescriptor<E>, event: CaptureOf<E>): string {
  const reporter = createReporter({ service, endpoint: 'http://127.0.0.1:9', consent: fixedConsent(true), identity: new EphemeralDistinctId(), anonymizer });
  const result = reporter.preview(event);
  return result.ok ? result.request.body : `refused: ${result.problem}`;
}

describe('the Connect-style session script', () => {
  it('every action, over two clusters, renders a request its service accepts, with names anonymized', () => {
    const actions = sessionActions({
      clusters: ['prod.example.com', 'staging.example.com'],
      user: 'alice',
      connector: 'github',
      platform: { os: 'darwin', arch: 'arm64', os_version: '23.4.0' },
      version: '0.1.0',
    });
    assert.equal(actions.length, 1 + 7 + 8);
    for (const action of actions) {
      const body = action.via === 'prehog' ? preview(CONNECT_SERVICE, action.event) : preview(CONNECT_EXTRA_SERVICE, action.event);
      assert.doesNotMatch(body, /^refused/, `${action.event.type.name}: ${body}`);
      assert.doesNotMatch(body, /example\.com|alice/);
    }
    // The check is the collector's schema: a sender refuses a value outside the allow-list (the
    // collector, receiving one from an older or newer sender, stores it as "other").
    assert.match(
      preview(CONNECT_EXTRA_SERVICE, TabOpen.create({ root_cluster_name: 'prod.example.com', leaf_cluster_name: '', tab_kind: 'ssh to db1.example.com' })),
      /^refused: connect\.tab\.open failed its schema: \/tabOpen\/tabKind must be equal to one of the allowed values/,
    );
  });

  it("keeps node:os's release when it is a version, else its leading numbers, else nothing", () => {
    const shape = (release: string): string => platformOf({ platform: () => 'linux', arch: () => 'x64', release: () => release }).os_version;
    assert.equal(shape('6.5.0-14-generic'), '6.5.0-14-generic');
    assert.equal(shape('5.15.153.1-microsoft-standard-WSL2'), '5.15.153.1-microsoft-standard-WSL2');
    assert.equal(shape('10.0.22631'), '10.0.22631');
    assert.equal(shape('4.19.0 (custom build)'), '4.19.0');
    assert.equal(shape('unknown'), '');
    // A tag the contract does not list (a custom kernel, a host name) is cut off, not sent.
    assert.equal(shape('6.18.44-fc-v1272'), '6.18.44');
    assert.equal(shape('6.1.0-host03.alice.example.com'), '6.1.0');
    const other = platformOf({ platform: () => 'haiku', arch: () => 'x64', release: () => '1.0' });
    assert.equal(other.os, 'other');
  });
});

describe('the Discover-style wizard flows', () => {
  const plan = (rest: Partial<WizardPlan> = {}): WizardPlan => ({
    resource: 'server',
    runId: crypto.randomUUID(),
    cluster: 'prod.example.com',
    user: 'alice',
    sso: false,
    teleportVersion: '17.4.8',
    ...rest,
  });

  it('every resource goes from started to completed through real steps in wizard order, each request accepted', () => {
    for (const resource of RESOURCE_NAMES) {
      for (const member of RESOURCES[resource].steps) assert.ok(discoverStepIndex(member) !== undefined, `${resource}: ${member}`);
      const run = wizardRun(plan({ resource }));
      assert.deepEqual(
        run.map(({ step }) => step),
        flowOf(resource),
      );
      assert.equal(run[0]!.step, DISCOVER_STEPS[0]);
      assert.equal(run.at(-1)!.step.posthogName, 'tp.ui.discover.completed');
      const order = run.map(({ step }) => discoverStepIndex(step.member)!);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
      );
      for (const { step, fields } of run) {
        const body = preview(DISCOVER_SERVICE, DISCOVER_EVENTS.get(step.member)!.create(fields));
        assert.doesNotMatch(body, /^refused/, `${resource} ${step.label}: ${body}`);
        assert.doesNotMatch(body, /example\.com|alice/);
      }
    }
  });

  it('a failure stops the run at its step with the UI message; an abort stops it there with none', () => {
    const failed = wizardRun(plan({ resource: 'postgres', failAt: 'deploy-agent' }));
    assert.deepEqual(
      failed.map(({ step }) => stepName(step)),
      ['started', 'resource-selection', 'register-database', 'deploy-agent'],
    );
    assert.deepEqual([failed.at(-1)!.fields.status, failed.at(-1)!.fields.error], ['DISCOVER_STATUS_ERROR', 'timed out waiting for the agent to join the cluster']);
    const aborted = wizardRun(plan({ resource: 'eks', abortAt: 'enroll-eks' }));
    assert.deepEqual([aborted.length, aborted.at(-1)!.fields.status, aborted.at(-1)!.fields.error], [4, 'DISCOVER_STATUS_ABORTED', '']);
    assert.ok(failed.slice(0, -1).every(({ fields }) => fields.status === 'DISCOVER_STATUS_SUCCESS'));
  });

  it('every step a run can fail at has a message the collector can class, and only steps of the flow are accepted', () => {
    const failable = DISCOVER_STEPS.filter((step) => STEP_NAMES.includes(stepName(step)));
    assert.deepEqual(Object.keys(STEP_ERRORS).sort(), failable.map((step) => step.member).sort());
    for (const [member, text] of Object.entries(STEP_ERRORS)) assert.notEqual(classifyError(text), 'other', member);
    assert.equal(stepProblem('server', 'deploy-agent'), undefined);
    assert.match(
      stepProblem('server', 'enroll-rds') ?? '',
      /^the server flow has no step "enroll-rds"; expected one of resource-selection, deploy-agent, set-up-access, test-connection$/,
    );
  });
});
