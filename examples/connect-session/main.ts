#!/usr/bin/env node
/**
 * connect-session: a Connect-style desktop app's session, scripted, reporting its usage through
 * the reporting library exactly as a real app would (see README.md beside this file).
 */
import * as os from 'node:os';
import { createReporter, PersistedDistinctId } from '../../src/reporting/index.js';
import { BUILD } from '../../src/version.js';
import { closeReporters, reporterLogger, runExample } from '../shared/cli.js';
import { CONNECT_EXTRA_SERVICE, CONNECT_SERVICE } from './events.js';
import { CONNECTOR_TYPES, describeAction, platformOf, sessionActions } from './session.js';

interface ConnectArgs {
  cluster: string[];
  user: string;
  connector: (typeof CONNECTOR_TYPES)[number];
}

runExample<ConnectArgs>({
  name: 'connect-session',
  describe: 'Run a scripted Connect-style app session that reports its usage (opt-in)',
  appName: 'tbot-analytics-connect-example',
  stepMs: 150,
  options: (yargs) =>
    yargs
      .option('cluster', { type: 'string', array: true, default: ['teleport.example.com'], describe: 'Root clusters the user logs in to (sent only anonymized)' })
      .option('user', { type: 'string', default: 'alice', describe: 'The Teleport user name (sent only anonymized)' })
      .option('connector', { choices: CONNECTOR_TYPES, default: 'github' as const, describe: 'The auth connector type of the logins' }),
  main: async (args, { logger, appData, consent, pause, anonymizerFor }) => {
    // The installation's id lives in the app data, written on the first send (which needs a yes).
    const identity = new PersistedDistinctId(appData);
    const shared = { endpoint: args.endpoint, consent, identity, logger: reporterLogger(logger), userAgent: `connect-session-example/${BUILD.version}` };
    const prehog = createReporter({ service: CONNECT_SERVICE, ...shared, label: 'analytics (ConnectReportingService)' });
    const extra = createReporter({ service: CONNECT_EXTRA_SERVICE, ...shared, label: 'analytics (ConnectExtraReportingService)' });

    const actions = sessionActions({ clusters: args.cluster, user: args.user, connector: args.connector, platform: platformOf(os), version: BUILD.version });
    for (const action of actions) {
      if (!(await pause(action.weight))) break;
      const anonymizer = action.cluster === undefined ? undefined : await anonymizerFor(action.cluster);
      const options = anonymizer === undefined ? undefined : { anonymizer };
      if (action.via === 'prehog') prehog.capture(action.event, options);
      else extra.capture(action.event, options);
      const { message, fields } = describeAction(action);
      logger.info(message, fields);
    }

    // Quitting the app: what is buffered goes now.
    await closeReporters(logger, [prehog, extra], args.quitWaitMs);
    return 0;
  },
});
