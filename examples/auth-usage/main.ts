#!/usr/bin/env node
/**
 * auth-usage: a simulated Teleport auth server (or several, of one cluster) reporting product
 * usage through the reporting library's usage submitter, over mutual TLS, to a collector. It
 * prints the TRUE figures of the history it generated, in the shape of `tbot-collector report
 * usage --format json` (see README.md beside this file).
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { runCli } from '../../src/cli-kit/run-cli.js';
import { stopOnSignals } from '../../src/cli/signals.js';
import { UsageError } from '../../src/errors.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { createUsageSubmitter, HmacAnonymizer, mtlsTransport, TlsFileError, UsageSubmitterConfigError, type UsageSubmitter } from '../../src/reporting/index.js';
import { monotonicMs } from '../../src/time/timer.js';
import { sleep } from '../../src/time/sleep.js';
import { simulate, type SimEvent } from './simulate.js';
import { truth } from './truth.js';

interface Args {
  endpoint: string;
  ca: string;
  cert: string;
  key: string;
  spool: string;
  tenant: string;
  cluster: string;
  seed: number;
  humans: number;
  bots: number;
  resources: number;
  days: number;
  start: string | undefined;
  authServers: number;
  part: string;
  resendOnly: boolean;
  speed: number;
  sendIntervalMs: number;
  closeDeadlineMs: number;
  debug: boolean;
}

const DAY = 86_400_000;
/** Exit code when reports are left in the spool (the collector could not be reached, or refused). */
export const LEFT_IN_SPOOL = 3;

const whole = (name: string, min: number, max: number) => (value: number) => {
  if (!(Number.isInteger(value) && value >= min && value <= max)) throw new UsageError(`--${name} ${String(value)}: expected a whole number from ${min} to ${max}`);
  return value;
};

function parsePart(text: string): { index: number; of: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const of = Number(match?.[2]);
  if (match === null || !(of >= 1 && of <= 100 && index >= 1 && index <= of)) throw new UsageError(`--part ${text}: expected I/N with 1 ≤ I ≤ N ≤ 100, e.g. 1/2`);
  return { index, of };
}

/** Where part I of N begins: the first at the start, the others 7.5 minutes past an even split, so a cut falls inside a window. */
const partBoundary = (start: number, days: number, index: number, of: number): number =>
  index === 0 ? start : index === of ? start + days * DAY : start + Math.floor((index * days * DAY) / of) + 450_000;

const builder = (yargs: Argv): Argv =>
  yargs
    .option('endpoint', { type: 'string', demandOption: true, describe: "The collector's https base URL" })
    .option('ca', { type: 'string', demandOption: true, describe: "The collector CA's certificate (PEM), e.g. ca.crt from `tbot-collector tenant add`" })
    .option('cert', { type: 'string', demandOption: true, describe: "The tenant's client certificate (PEM)" })
    .option('key', { type: 'string', demandOption: true, describe: "The tenant's private key (PEM)" })
    .option('spool', { type: 'string', demandOption: true, describe: 'The spool directory; each auth server spools under auth-N/' })
    .option('tenant', { type: 'string', default: 'acme', describe: "The tenant the certificate names (the truth's rows carry it)" })
    .option('cluster', { type: 'string', default: 'sim.example.com', describe: 'The cluster name (sent only anonymized)' })
    .option('seed', { type: 'number', default: 1, coerce: whole('seed', 0, 2 ** 32 - 1), describe: 'One seed, one history' })
    .option('humans', { type: 'number', default: 20, coerce: whole('humans', 0, 100_000), describe: 'Human users' })
    .option('bots', { type: 'number', default: 3, coerce: whole('bots', 0, 10_000), describe: 'Bots (each with one or two instances)' })
    .option('resources', { type: 'number', default: 30, coerce: whole('resources', 0, 100_000), describe: 'Resources (nodes, apps, databases…)' })
    .option('days', { type: 'number', default: 3, coerce: whole('days', 1, 62), describe: 'Days simulated' })
    .option('start', { type: 'string', describe: 'The first instant simulated, RFC 3339 (default: midnight UTC, --days days ago)' })
    .option('auth-servers', { type: 'number', default: 1, coerce: whole('auth-servers', 1, 16), describe: 'Auth servers of the cluster; each event is handled by one' })
    .option('part', { type: 'string', default: '1/1', describe: 'Simulate only part I of N of the history (a restart between parts)' })
    .option('resend-only', { type: 'boolean', default: false, describe: 'Simulate nothing: only send what the spool holds' })
    .option('speed', { type: 'number', default: 0, describe: 'Simulated seconds per real second (0: as fast as possible)' })
    .option('send-interval-ms', { type: 'number', default: 1_000, coerce: whole('send-interval-ms', 1, 600_000), describe: 'How often the submitters send (real time)' })
    .option('close-deadline-ms', { type: 'number', default: 30_000, coerce: whole('close-deadline-ms', 1, 600_000), describe: 'How long the last send may take' })
    .option('debug', { type: 'boolean', default: false, describe: "Show the submitters' debug lines" });

async function run(args: ArgumentsCamelCase<Args>, logger: Logger, signal: AbortSignal): Promise<number> {
  if (!(args.speed >= 0 && Number.isFinite(args.speed))) throw new UsageError(`--speed ${String(args.speed)}: expected a number ≥ 0`);
  const part = parsePart(args.part);
  const start = args.start === undefined ? Math.floor(Date.now() / DAY) * DAY - args.days * DAY : Date.parse(args.start);
  if (Number.isNaN(start)) throw new UsageError(`--start ${args.start}: expected an RFC 3339 time, e.g. 2026-11-28T00:00:00Z`);
  const plan = { seed: args.seed, humans: args.humans, bots: args.bots, resources: args.resources, days: args.days, start, authServers: args.authServers };
  const events = simulate(plan);
  const from = partBoundary(start, args.days, part.index - 1, part.of);
  const until = partBoundary(start, args.days, part.index, part.of);
  const mine: SimEvent[] = args.resendOnly ? [] : events.filter((event) => event.at >= from && event.at < until);

  // The simulator's cluster key is derived from the seed so that separate runs (parts, resends)
  // anonymize alike; a real auth server keeps a random key in its backend.
  const key = createHash('sha256').update(`tbot-analytics auth-usage simulator\0${args.seed}\0${args.cluster}`).digest();
  const anonymizer = new HmacAnonymizer(key);
  const transport = await mtlsTransport({ caFile: resolve(args.ca), certFile: resolve(args.cert), keyFile: resolve(args.key) });
  let simNow = args.resendOnly ? Date.now() : from;
  const made = new Map<string, number>();
  const submitters: UsageSubmitter[] = [];
  for (let index = 0; index < args.authServers; index += 1) {
    const label = `auth-${index + 1}`;
    submitters.push(
      await createUsageSubmitter({
        endpoint: args.endpoint,
        clusterName: args.cluster,
        hostId: `${args.cluster}/${label}`,
        anonymizer,
        spoolDir: join(resolve(args.spool), label),
        transport,
        now: () => simNow,
        sendIntervalMs: args.sendIntervalMs,
        userAgent: 'auth-usage-example',
        logger: { debug: (message, fields) => logger.debug(`${label}: ${message}`, fields), warn: (message, fields) => logger.warn(`${label}: ${message}`, fields) },
        onSpooled: (report) => {
          const month = new Date(report.start).toISOString().slice(0, 7);
          made.set(month, (made.get(month) ?? 0) + 1);
        },
      }),
    );
  }

  const startedAt = monotonicMs();
  for (const { at, server, event } of mine) {
    if (signal.aborted) break;
    if (args.speed > 0) {
      const due = (at - from) / args.speed / 1000 - (monotonicMs() - startedAt);
      if (due > 20 && !(await sleep(due, signal))) break;
    }
    simNow = at;
    submitters[server]!.record(event);
  }
  if (!args.resendOnly) {
    simNow = until;
    logger.info(`simulated ${new Date(from).toISOString()} .. ${new Date(until).toISOString()}: ${mine.length} events on ${args.authServers} auth server(s)`);
  }

  let left = 0;
  for (const [index, submitter] of submitters.entries()) {
    const closed = await submitter.close({ deadlineMs: args.closeDeadlineMs, signal });
    const stats = submitter.stats();
    left += closed.pending;
    logger.info(`auth-${index + 1}: ${stats.spooled} reports made, ${stats.sent} sent, ${closed.pending} left in the spool`, {
      failed_calls: stats.failedCalls,
      refused_files: stats.refusedFiles,
    });
  }

  const firstMonth = new Date(start).toISOString().slice(0, 7);
  const end = new Date(start + args.days * DAY - 1);
  const window = { since: `${firstMonth}-01T00:00:00.000Z`, until: new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 1)).toISOString() };
  process.stdout.write(`${JSON.stringify(truth(events, args.tenant, window, made), null, 2)}\n`);
  if (left > 0) logger.warn(`${left} reports left in the spool; run again with --resend-only once the collector is back`);
  if (signal.aborted) return 130;
  return left > 0 ? LEFT_IN_SPOOL : 0;
}

runCli({
  name: 'auth-usage',
  stderr: (text) => void process.stderr.write(text),
  commands: (setExitCode) => {
    const command: CommandModule<object, Args> = {
      command: '$0',
      describe: 'Simulate an auth server reporting product usage; print the true figures',
      builder: builder as unknown as (yargs: Argv) => Argv<Args>,
      handler: async (args) => {
        const logger = createLogger({ level: args.debug ? 'debug' : 'info', format: 'text', write: (line) => void process.stderr.write(line), now: () => new Date() });
        const signals = stopOnSignals(logger);
        try {
          setExitCode(await run(args, logger, signals.signal));
        } catch (error) {
          // A wrong flag value found once the files are read: a usage error, not a crash.
          if (error instanceof TlsFileError || error instanceof UsageSubmitterConfigError) throw new UsageError(error.message);
          throw error;
        } finally {
          signals.dispose();
        }
      },
    };
    return [command] as unknown as CommandModule<object, never>[];
  },
});
