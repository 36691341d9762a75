/** Runs the built collector (dist/tbot-collector.mjs) on an ephemeral loopback port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest, type Agent } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { listSegments, SegmentReader } from '../../src/collector/store/segments.js';
import { SUBMIT_TBOT_EVENT_PATH } from '../../src/protocol/tbot-wire.js';
import { cleanEnv } from './tbot-process.js';

export const COLLECTOR_BUNDLE = fileURLToPath(new URL('../../dist/tbot-collector.mjs', import.meta.url));

export interface RunningCollector {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `bundle` is another build's collector, for a benchmark that compares builds. */
export async function startCollector(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}, bundle = COLLECTOR_BUNDLE): Promise<RunningCollector> {
  const child = spawn(process.execPath, [bundle, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...extraArgs], {
    env: cleanEnv(env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    // A bound for a machine under heavy load, not a guess at how long a start takes. A collector
    // that never said it listens is stopped: left running, it would keep the test file from ever ending.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`collector did not start within 30 s:\n${stderr}`));
    }, 30_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      // The text line, or the same line as JSON (--log-format json).
      const match =
        /collector listening address=(127\.0\.0\.1:\d+)(?: scheme=(https?))? data_dir=/.exec(stderr) ??
        /"(?:msg|message)":"collector listening",(?:"component":"[^"]*",)?"address":"(127\.0\.0\.1:\d+)","scheme":"(https?)"/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        // An older build (a benchmark's baseline) names no scheme: it serves plain HTTP.
        resolve(`${match[2] ?? 'http'}://${match[1]}`);
      }
    });
    void exited.then(() => reject(new Error(`collector exited:\n${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A valid tbot.start event as the agent sends it; `start` fields, the id and the timestamp can be overridden. */
export function tbotEvent(
  start: Record<string, unknown> = {},
  envelope: { distinctId?: string; timestamp?: string } = {},
): { distinctId: string; timestamp: string; start: Record<string, unknown> } {
  return {
    distinctId: envelope.distinctId ?? crypto.randomUUID(),
    timestamp: envelope.timestamp ?? new Date().toISOString(),
    start: {
      runMode: 'RUN_MODE_ONE_SHOT',
      version: '1.0.0',
      joinType: 'github',
      destinationsOther: 1,
      destinationsDatabase: 0,
      destinationsKubernetes: 0,
      destinationsApplication: 0,
      ...start,
    },
  };
}

/** A valid daily heartbeat of a continuous agent as it sends it; `heartbeat` fields, the id and the timestamp can be overridden. */
export function heartbeatEvent(
  heartbeat: Record<string, unknown> = {},
  envelope: { distinctId?: string; timestamp?: string } = {},
): { distinctId: string; timestamp: string; heartbeat: Record<string, unknown> } {
  return {
    distinctId: envelope.distinctId ?? crypto.randomUUID(),
    timestamp: envelope.timestamp ?? new Date().toISOString(),
    heartbeat: {
      runMode: 'RUN_MODE_DAEMON',
      version: '1.2.3',
      joinType: 'iam',
      renewals: 3,
      renewalFailures: 0,
      outputsIdentity: 1,
      outputsDatabase: 0,
      outputsKubernetes: 0,
      outputsApplication: 0,
      outputsSshHost: 0,
      outputsSpiffeSvid: 0,
      uptimeBucket: 'UPTIME_BUCKET_1D',
      ...heartbeat,
    },
  };
}

/**
 * POSTs one event as JSON, as the agent does: a fresh connection, closed after the answer, so no
 * pooled socket is left on either side. Resolves with the HTTP status (the body is dropped).
 */
/** `agent` bounds how many connections a burst opens; without one each submission opens its own. */
export function submit(url: string, event: unknown, options: { localAddress?: string; agent?: Agent } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${SUBMIT_TBOT_EVENT_PATH}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' }, ...options }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(JSON.stringify(event));
  });
}

/** Polls `read` until it returns `expected` (deep equality on JSON), or fails after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let last = await read(); JSON.stringify(last) !== JSON.stringify(expected); last = await read()) {
    if (Date.now() > deadline) throw new Error(`expected ${JSON.stringify(expected)}, still ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Reads one value of the collector's Prometheus text, e.g. metric(text, 'tbot_collector_forwarded_total'). */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no metric ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

export interface CollectorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one collector command to completion (a report, or a serve that is expected to refuse to
 * start). The bound is for a machine under heavy load: a 3-worker report took over 10 s at a load
 * average near 20 while it takes well under a second on a quiet one.
 */
export function runCollector(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CollectorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COLLECTOR_BUNDLE, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tbot-collector ${args.join(' ')} still running after ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every whole line of every event segment in `dataDir`, plain or sealed (none if it does not exist yet). */
export async function storedLines(dataDir: string): Promise<string[]> {
  const reader = new SegmentReader(dataDir);
  const lines: string[] = [];
  for (const segment of await listSegments(dataDir)) for await (const line of reader.lines(segment)) lines.push(line);
  return lines;
}

/**
 * Every file under `dir` (at any depth) as text, for canary searches. A file may vanish while we
 * read (the forwarder's temporary cursor files); a directory that does not exist is empty.
 */
export async function everyStoredByte(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  // A sealed segment is searched in its text, not in its compressed bytes.
  const read = async (path: string): Promise<string> => (path.endsWith('.gz') ? gunzipSync(await readFile(path)).toString('utf8') : readFile(path, 'utf8'));
  const texts = await Promise.all(files.map((path) => read(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error)))));
  return texts.join('\n');
}

export interface StoredTbotRecord {
  received_at: string;
  family: string;
  event: { distinctId: string; timestamp: string; start: Record<string, unknown> };
}

export async function storedRecords(dataDir: string): Promise<StoredTbotRecord[]> {
  return (await storedLines(dataDir)).map((line) => JSON.parse(line) as StoredTbotRecord);
}
