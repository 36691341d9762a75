#!/usr/bin/env node
/**
 * discover-wizard: one run of a Discover-style "add a resource" wizard, reporting each step
 * through the reporting library with SubmitEvents batches (see README.md beside this file).
 */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../../src/errors.js';
import { createReporter, EphemeralDistinctId } from '../../src/reporting/index.js';
import { BUILD } from '../../src/version.js';
import { closeReporters, reporterLogger, runExample } from '../shared/cli.js';
import { DISCOVER_EVENTS, DISCOVER_SERVICE } from './events.js';
import { abortedAt, RESOURCE_NAMES, STEP_NAMES, stepProblem, wizardRun, type ResourceName, type WizardStep } from './flows.js';

interface DiscoverArgs {
  resource: ResourceName;
  failAt: string | undefined;
  abortAt: string | undefined;
  cluster: string;
  user: string;
  sso: boolean;
  teleportVersion: string;
}

runExample<DiscoverArgs>({
  name: 'discover-wizard',
  describe: 'Run one Discover-style wizard for a resource type, reporting each step (opt-in)',
  appName: 'tbot-analytics-discover-example',
  stepMs: 400,
  options: (yargs) =>
    yargs
      .option('resource', { choices: RESOURCE_NAMES, default: 'server' as ResourceName, describe: 'The kind of resource being added' })
      .option('fail-at', { type: 'string', choices: STEP_NAMES, describe: 'Fail at this step with the error the UI would show, and stop there' })
      .option('abort-at', { type: 'string', choices: STEP_NAMES, describe: 'Leave the wizard at this step' })
      .conflicts('fail-at', 'abort-at')
      .option('cluster', { type: 'string', default: 'teleport.example.com', describe: 'The cluster the resource is added to (sent only anonymized)' })
      .option('user', { type: 'string', default: 'alice', describe: 'The Teleport user running the wizard (sent only anonymized)' })
      .option('sso', { type: 'boolean', default: false, describe: 'The user signed in through an SSO connector' })
      .option('teleport-version', { type: 'string', default: '17.4.8', describe: "The auth server's version, sent with every event" })
      .check((args) => {
        const resource = args['resource'] as ResourceName;
        for (const flag of ['fail-at', 'abort-at'] as const) {
          const step = args[flag] as string | undefined;
          const problem = step === undefined ? undefined : stepProblem(resource, step);
          if (problem !== undefined) throw new UsageError(`--${flag}: ${problem}`);
        }
        return true;
      }),
  main: async (args, { logger, consent, pause, anonymizerFor }) => {
    // Teleport's SubmitEventRequest has no distinct id (the run id ties a run together), so this
    // one is never sent nor written; the reporter only needs a source.
    const reporter = createReporter({
      service: DISCOVER_SERVICE,
      endpoint: args.endpoint,
      consent,
      identity: new EphemeralDistinctId(),
      logger: reporterLogger(logger),
      userAgent: `discover-wizard-example/${BUILD.version}`,
    });
    const anonymizer = await anonymizerFor(args.cluster);
    const report = ({ step, fields }: WizardStep): void => {
      reporter.capture(DISCOVER_EVENTS.get(step.member)!.create(fields), anonymizer === undefined ? undefined : { anonymizer });
      logger.info(step.posthogName, { step: step.label, status: fields.status, ...(fields.error === '' ? {} : { error: fields.error }) });
    };

    const runId = randomUUID();
    const run = wizardRun({
      resource: args.resource,
      ...(args.failAt === undefined ? {} : { failAt: args.failAt }),
      ...(args.abortAt === undefined ? {} : { abortAt: args.abortAt }),
      runId,
      cluster: args.cluster,
      user: args.user,
      sso: args.sso,
      teleportVersion: args.teleportVersion,
    });
    let last: WizardStep | undefined;
    for (const step of run) {
      // Ctrl-C while on a step is the user closing the wizard there.
      if (!(await pause(step.weight))) {
        report(abortedAt(step));
        last = abortedAt(step);
        break;
      }
      report(step);
      last = step;
    }
    const outcome =
      last?.fields.status === 'DISCOVER_STATUS_SUCCESS' ? 'completed' : `${last?.fields.status === 'DISCOVER_STATUS_ERROR' ? 'failed' : 'aborted'} at ${last?.step.label}`;
    logger.info(`wizard run ${outcome}`, { run: runId, resource: args.resource });

    await closeReporters(logger, [reporter], args.quitWaitMs);
    return 0;
  },
});
