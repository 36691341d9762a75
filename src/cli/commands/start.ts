/** `tbot start [kind]`: run the agent, one-shot or continuous. */
import { resolve } from 'node:path';
import { countRenewals } from '../../agent/count-renewals.js';
import { RenewalTally } from '../../analytics/renewal-tally.js';
import { IDLE_SESSION } from '../../analytics/session-handle.js';
import { destinationLockWaitMs, lockDestinations, type DestinationLocks } from '../../agent/destination-locks.js';
import { OutputStatusBoard } from '../../agent/output-status.js';
import { runAgent } from '../../agent/run-agent.js';
import { openLocalCa } from '../../ca/local-ca.js';
import type { DiagServer } from '../../diag/diag-server.js';
import { createOutputRenewers, sharedSource } from '../../outputs/output-renewer.js';
import { EmptyOneShotError, NotRunnableHereError } from '../../errors.js';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { BUILD } from '../../version.js';
import { analyticsDeps } from '../analytics-deps.js';
import type { CommandDef, Invocation } from '../command-types.js';
import { loggerFor, resolveOrReport } from '../config-input.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';
import { stopOnSignals } from '../signals.js';
import { WHAT_IS_SENT } from '../what-is-sent.js';

/** Said once at start when there is nothing to do, so that an empty `services: []` is not mistaken for a working bot. */
export const NO_OUTPUTS_WARNING =
  'no outputs are configured, so there is nothing to renew: add one under `services:` in the config file (see docs/configuration.md), or start with one, e.g. `tbot start identity --destination ./.tbot/identity`';

/** Writes the PID file and arranges its removal at exit; false (after saying why) when it cannot be written. */
async function writePidFileOrReport(path: string, runtime: Runtime): Promise<boolean> {
  const { writePidFile, removePidFileIfOurs } = await import('../../fs/pid-file.js');
  try {
    await writePidFile(path, process.pid);
  } catch (error) {
    runtime.stderr(`tbot: cannot write the PID file ${path}: ${describeFsError(error)}\n`);
    return false;
  }
  // Every way out (a normal end, an error, a signal, a second signal's immediate exit) passes here.
  process.once('exit', () => removePidFileIfOurs(path, process.pid));
  return true;
}

export async function run(invocation: Invocation, runtime: Runtime, command: CommandDef): Promise<number> {
  const resolved = await resolveOrReport(command, invocation, runtime);
  if ('exitCode' in resolved) return resolved.exitCode;
  const { config, consent } = resolved;
  if (config.runIssues.length > 0) return reportFatal(new NotRunnableHereError(config.runIssues), runtime.stderr);
  // `start noop` names the empty run itself, as Go's noop command does (to try a join); anything else must say so.
  const emptyMeant = invocation.values['allow-empty'] === true || invocation.path.includes('noop');
  if (config.oneshot && config.outputs.length === 0 && !emptyMeant) return reportFatal(new EmptyOneShotError(), runtime.stderr);
  const logger = loggerFor(config.debug, invocation, runtime);
  for (const warning of config.warnings) logger.warn(warning);
  if (config.outputs.length === 0) logger.warn(NO_OUTPUTS_WARNING);
  for (const warning of consent.warnings) logger.warn(warning);
  logger.info(`anonymous analytics is ${consent.enabled ? 'enabled' : 'disabled'} (decided by: ${consent.decidedBy}); to see what is sent, ${WHAT_IS_SENT}`);

  const source = sharedSource(async (now) => {
    const { ca, created } = await openLocalCa(config.storage, now);
    logger.info(created ? 'created a new local certificate authority' : 'using the local certificate authority', { source: ca.description });
    return ca;
  });
  const tasks = createOutputRenewers(config, { agentVersion: BUILD.version, source, newId: runtime.randomUUID, self: runtime.self });
  const board = new OutputStatusBoard(tasks);
  let diag: DiagServer | undefined;
  if (config.diagAddr !== undefined) {
    // Listening before the first renewal, so /readyz can answer "not yet" while it runs.
    try {
      // node:http and the listener load only for an agent that has diag_addr.
      const { startDiagServer } = await import('../../diag/diag-server.js');
      diag = await startDiagServer(config.diagAddr, { board, now: runtime.now, processStartedAt: runtime.startedAt });
    } catch (error) {
      return reportFatal(error, runtime.stderr);
    }
    logger.info('diagnostics listening', { address: diag.url });
  }

  const stop = stopOnSignals(logger);
  let locks: DestinationLocks | undefined;
  try {
    // Written once SIGINT/SIGTERM are handled, so no signal can end the process between the write and the removal hook.
    const pidFile = invocation.values['pid-file'];
    if (typeof pidFile === 'string' && !(await writePidFileOrReport(resolve(runtime.cwd, pidFile), runtime))) return 1;
    // One agent per destination directory; a second one waits its turn or exits naming the first.
    try {
      locks = await lockDestinations(config, { logger, now: runtime.now, signal: stop.signal, waitMs: destinationLockWaitMs(runtime.env) });
    } catch (error) {
      if (stop.signal.aborted) return 0;
      return reportFatal(error, runtime.stderr);
    }
    process.once('exit', locks.releaseSync);
    // Launched before the first renewal so the send runs beside it, never in front of it.
    // The heartbeat reports renewal outcomes; the tally is where the renewals count them.
    const renewals = new RenewalTally();
    // The reporter and its HTTP client load only when there is something to send.
    const analytics = consent.enabled ? (await import('../../analytics/session.js')).launchAnalytics(consent, config, analyticsDeps(runtime, logger), renewals) : IDLE_SESSION;
    return await runAgent(config, { tasks: countRenewals(tasks, renewals), board, analytics, logger, now: runtime.now, random: runtime.random }, stop.signal);
  } finally {
    stop.dispose();
    if (locks !== undefined) {
      process.off('exit', locks.releaseSync);
      await locks.release();
    }
    await diag?.close();
  }
}
