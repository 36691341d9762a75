/** Runs the built collector (dist/tbot-collector.mjs) on an ephemeral loopback port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from './tbot-process.js';

export const COLLECTOR_BUNDLE = fileURLToPath(new URL('../../dist/tbot-collector.mjs', import.meta.url));

export interface RunningCollector {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startCollector(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<RunningCollector> {
  const child = spawn(process.execPath, [COLLECTOR_BUNDLE, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...extraArgs], { env: cleanEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector did not start:\n${stderr}`)), 10_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /collector listening address=(127\.0\.0\.1:\d+)/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
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

/** Every whole line of every segment in `dataDir` (none if it does not exist yet). */
export async function storedLines(dataDir: string): Promise<string[]> {
  const names = (await readdir(dataDir).catch(() => [])).filter((name) => name.endsWith('.ndjson'));
  const texts = await Promise.all(names.map((name) => readFile(join(dataDir, name), 'utf8')));
  return texts.join('').split('\n').filter((line) => line !== '');
}

export interface StoredTbotRecord {
  received_at: string;
  family: string;
  event: { distinctId: string; timestamp: string; start: Record<string, unknown> };
}

export async function storedRecords(dataDir: string): Promise<StoredTbotRecord[]> {
  return (await storedLines(dataDir)).map((line) => JSON.parse(line) as StoredTbotRecord);
}
