/** `tbot start`: run the agent, one-shot or continuous. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { countRenewals, RenewalTally } from '../../analytics/heartbeat.js';
import { launchAnalytics } from '../../analytics/session.js';
import { randomUUID } from 'node:crypto';
import { OutputStatusBoard } from '../../agent/output-status.js';
import { runAgent } from '../../agent/run-agent.js';
import { openLocalCa } from '../../ca/local-ca.js';
import { startDiagServer, type DiagServer } from '../../diag/diag-server.js';
import { createOutputRenewers, sharedSource } from '../../outputs/output-renewer.js';
import { ANALYTICS_DOCS_URL, BUILD } from '../../version.js';
import { analyticsDeps } from '../analytics-deps.js';
import { loggerFor, resolveConfigAndConsent, withConfigOptions, type ConfigArgs } from '../config-options.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';
import { stopOnSignals } from '../signals.js';

export function startCommand(runtime: Runtime, setExitCode: (code: number) => void): CommandModule<object, ConfigArgs> {
  return {
    command: 'start',
    describe: 'Start the agent: renew credentials once (--oneshot) or continuously',
    builder: (yargs: Argv) => withConfigOptions(yargs),
    handler: async (args: ArgumentsCamelCase<ConfigArgs>) => setExitCode(await start(args, runtime)),
  };
}

export async function start(args: ConfigArgs, runtime: Runtime): Promise<number> {
  const logger = loggerFor(args, runtime);
  let resolved;
  try {
    resolved = await resolveConfigAndConsent(args, runtime);
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
  const { config, consent } = resolved;
  for (const warning of consent.warnings) logger.warn(warning);
  logger.info(`anonymous analytics is ${consent.enabled ? 'enabled' : 'disabled'} (decided by: ${consent.decidedBy}); what is sent: ${ANALYTICS_DOCS_URL}`);

  const source = sharedSource(async (now) => {
    const { ca, created } = await openLocalCa(config.storage, now);
    logger.info(created ? 'created a new local certificate authority' : 'using the local certificate authority', { source: ca.description });
    return ca;
  });
  const tasks = createOutputRenewers(config, { agentVersion: BUILD.version, source, newId: randomUUID });
  const board = new OutputStatusBoard(tasks);
  let diag: DiagServer | undefined;
  if (config.diagAddr !== undefined) {
    // Listening before the first renewal, so /readyz can answer "not yet" while it runs.
    try {
      diag = await startDiagServer(config.diagAddr, { board, now: runtime.now, processStartedAt: runtime.startedAt });
    } catch (error) {
      return reportFatal(error, runtime.stderr);
    }
    logger.info('diagnostics listening', { address: diag.url });
  }

  const stop = stopOnSignals(logger);
  try {
    // Launched before the first renewal so the send runs beside it, never in front of it.
    // The heartbeat reports renewal outcomes; the tally is where the renewals count them.
    const renewals = new RenewalTally();
    const analytics = launchAnalytics(consent, config, analyticsDeps(runtime, logger), renewals);
    return await runAgent(config, { tasks: countRenewals(tasks, renewals), board, analytics, logger, now: runtime.now, random: runtime.random }, stop.signal);
  } finally {
    stop.dispose();
    await diag?.close();
  }
}
