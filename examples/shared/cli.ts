/**
 * What both example apps share around their own script: the options every one takes (where to
 * send, the consent answer, where app data lives, pacing), the logger, Ctrl-C, consent, and the
 * closing summary. An app adds its options and a `main` that captures events; nothing else.
 */
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { runCli } from '../../src/cli-kit/run-cli.js';
import { stopOnSignals } from '../../src/cli/signals.js';
import { UsageError } from '../../src/errors.js';
import { describeFsError } from '../../src/fs/describe-fs-error.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { BaseUrlError, parseBaseUrl } from '../../src/net/base-url.js';
import { ClusterKeys, ConsentStore, defaultAppDataDir, type Anonymizer, type AnyEventType, type Reporter, type ReporterLogger } from '../../src/reporting/index.js';
import { sleep } from '../../src/time/sleep.js';
import { settleConsent, type ConsentOutcome } from './consent.js';

export interface CommonArgs {
  endpoint: string;
  yes: boolean | undefined;
  no: boolean | undefined;
  appData: string;
  stepMs: number;
  /** How long quitting waits for analytics to be sent (CLOSE_DEADLINE_MS unless given). */
  quitWaitMs: number;
  debug: boolean;
}

export interface ExampleContext {
  logger: Logger;
  /** The absolute app-data directory. Nothing is written there unless the user answers. */
  appData: string;
  consent: ConsentStore;
  /** Waits `stepMs`, times `weight`; false when cut short by Ctrl-C (or SIGTERM). A second one exits at once. */
  pause(weight?: number): Promise<boolean>;
  /** The cluster's anonymizer (its key kept in the app data), or undefined without a yes. Never rejects. */
  anonymizerFor(cluster: string): Promise<Anonymizer | undefined>;
}

export interface ExampleDefinition<A> {
  name: string;
  describe: string;
  /** The app-data directory's name under the platform's data directory. */
  appName: string;
  /** The default pause between user actions, in ms. */
  stepMs: number;
  /** Adds the app's options; their camelCase names and types are the app's `A`. */
  options(yargs: Argv): Argv;
  /** Runs the app's script; resolves with the exit code. */
  main(args: ArgumentsCamelCase<A & CommonArgs>, context: ExampleContext): Promise<number>;
}

/** Exit code of a run cut short by Ctrl-C or SIGTERM, as shells report an interrupted command. */
export const INTERRUPTED = 130;

export function runExample<A>(definition: ExampleDefinition<A>): void {
  const builder = (yargs: Argv): Argv =>
    definition.options(
      yargs
        .option('endpoint', { type: 'string', default: 'http://127.0.0.1:8787', describe: 'The collector to report to (its base URL)' })
        .option('yes', { type: 'boolean', describe: 'Answer the consent question with yes, and remember it' })
        .option('no', { type: 'boolean', describe: 'Answer the consent question with no, and remember it' })
        .conflicts('yes', 'no')
        .option('app-data', {
          type: 'string',
          default: defaultAppDataDir(definition.appName),
          describe: 'Where the consent answer, the installation id and the cluster keys are kept',
        })
        .option('step-ms', { type: 'number', default: definition.stepMs, describe: 'Pause between user actions, in ms' })
        .option('quit-wait-ms', { type: 'number', default: CLOSE_DEADLINE_MS, describe: 'How long quitting waits for analytics to be sent, in ms' })
        .option('debug', { type: 'boolean', default: false, describe: "Show the reporter's debug lines" })
        .check((args) => {
          // Before anything is asked or written, as for every configuration error.
          try {
            parseBaseUrl(args['endpoint'] as string);
          } catch (error) {
            if (error instanceof BaseUrlError) throw new UsageError(`--endpoint: ${error.message}; expected the collector's base URL, e.g. http://127.0.0.1:8787`);
            throw error;
          }
          const stepMs = args['step-ms'] as number;
          for (const [flag, value] of [
            ['--step-ms', stepMs],
            ['--quit-wait-ms', args['quit-wait-ms'] as number],
          ] as const)
            if (!(Number.isInteger(value) && value >= 0 && value <= 600_000))
              throw new UsageError(`${flag} ${String(value)}: expected a whole number of milliseconds from 0 to 600000`);
          return true;
        }),
    );
  runCli({
    name: definition.name,
    stderr: (text) => void process.stderr.write(text),
    commands: (setExitCode) => {
      const command: CommandModule<object, A & CommonArgs> = {
        command: '$0',
        describe: definition.describe,
        builder: builder as unknown as (yargs: Argv) => Argv<A & CommonArgs>,
        handler: async (args) => setExitCode(await run(definition, args)),
      };
      return [command] as unknown as CommandModule<object, never>[];
    },
  });
}

async function run<A>(definition: ExampleDefinition<A>, args: ArgumentsCamelCase<A & CommonArgs>): Promise<number> {
  const logger = createLogger({ level: args.debug ? 'debug' : 'info', format: 'text', write: (line) => void process.stderr.write(line), now: () => new Date() });
  const signals = stopOnSignals(logger);
  try {
    const appData = resolve(args.appData);
    const consent = await ConsentStore.open(appData, { env: process.env });
    let outcome: ConsentOutcome;
    try {
      outcome = await settleConsent({
        store: consent,
        flag: args.yes === true ? 'yes' : args.no === true ? 'no' : undefined,
        env: process.env,
        terminal: { input: process.stdin, output: process.stderr },
      });
    } catch (error) {
      // Only an answer writes, so this is the app-data directory refusing it.
      logger.error(`--app-data ${appData}: the consent answer cannot be saved: ${describeFsError(error)}`);
      return 1;
    }
    if (outcome.kind === 'interrupted') return INTERRUPTED;
    logger.info(outcome.says);
    const pause = (weight = 1): Promise<boolean> => sleep(args.stepMs * weight, signals.signal);
    const keys = new ClusterKeys(appData);
    const anonymizerFor = async (cluster: string): Promise<Anonymizer | undefined> => {
      // Keys are written on first use, so never before a yes.
      if (!outcome.granted) return undefined;
      try {
        return await keys.anonymizerFor(cluster);
      } catch (error) {
        // Analytics never stops the app: without a key, the cluster's events are not captured.
        logger.warn(`analytics: no anonymization key for a cluster: ${describeFsError(error)}`);
        return undefined;
      }
    };
    const code = await definition.main(args, { logger, appData, consent, pause, anonymizerFor });
    return signals.signal.aborted ? INTERRUPTED : code;
  } finally {
    signals.dispose();
  }
}

/** The reporter's debug lines, through the app's logger. */
export const reporterLogger = (logger: Logger): ReporterLogger => ({ debug: (message, fields) => logger.debug(message, fields) });

/**
 * How long quitting may wait for the collector. The library's default is 1 s, sized for the agent,
 * whose exit a CI job waits on; a desktop app's window is already gone when it quits, and a send
 * that starts at quit also pays for loading the HTTP client and compiling its schemas first.
 */
export const CLOSE_DEADLINE_MS = 5_000;

/**
 * Quitting: closes every reporter at once (each sends what it holds within the deadline), then
 * says in one line what became of the captured events.
 */
export async function closeReporters(logger: Logger, reporters: readonly Reporter<AnyEventType>[], deadlineMs = CLOSE_DEADLINE_MS): Promise<void> {
  const started = performance.now();
  const closed = await Promise.all(reporters.map((reporter) => reporter.close({ deadlineMs })));
  const total = { captured: 0, sent: 0, failed: 0, rejected: 0, abandoned: 0 };
  for (const reporter of reporters) {
    const stats = reporter.stats();
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += stats[key];
  }
  if (total.captured === 0) return;
  const complete = closed.every((result) => result.complete) && total.sent === total.captured;
  const events = `${total.captured} event${total.captured === 1 ? '' : 's'}`;
  logger.info(complete ? `analytics: sent all ${events}` : `analytics: sent ${total.sent} of ${events} (run with --debug to see why)`, {
    ...total,
    ms: Math.round(performance.now() - started),
  });
}
