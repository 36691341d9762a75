/**
 * A lock file naming the process that holds it, for a resource several processes on one machine
 * might use at once (an output directory). It is created with O_EXCL, so exactly one process gets
 * it, and removed by its holder on release. A holder that died without releasing it (kill -9, a
 * crash, a reboot) leaves a stale lock: a process that finds one whose pid is no longer running
 * removes it and tries again.
 *
 * Only lock files in this module's own format are ever removed: a file at the lock path that does
 * not parse as one is reported, never deleted. Breaking a stale lock is itself guarded by a second
 * O_EXCL file, so two processes that find the same stale lock cannot both remove it, the second
 * one deleting the first one's fresh lock.
 */
import { lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { lstat, unlink } from 'node:fs/promises';
import { sleep } from '../time/sleep.js';
import { monotonicMs } from '../time/timer.js';
import { writeNewFileDurably } from './fsync.js';
import { readRegularFile } from './read-regular-file.js';

/** Who holds a lock, as its file says. */
export interface LockHolder {
  pid: number;
  /** When it took the lock, RFC 3339. */
  since: string;
  /**
   * Which process that pid was (processStartId): absent in locks written before it existed, or
   * where /proc cannot say. It tells a holder from a later process that was given the same pid.
   */
  start?: string;
}

export interface PidLockDeps {
  pid: number;
  /** Whether a process with this pid is running (process.kill(pid, 0) for real). */
  isRunning(pid: number): boolean;
  /** The identity of the process now running as `pid` (processStartId for real), if known. */
  startId?(pid: number): string | undefined;
  now(): Date;
  monotonicMs(): number;
  /** Resolves false when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export interface AcquireOptions {
  /** How long to wait for a live holder to let go; 0 tries once. */
  waitMs: number;
  /** How often to look again while waiting. */
  pollMs: number;
  /** Called once, when the first attempt finds a live holder and waiting begins. */
  onWait?: (holder: LockHolder) => void;
  signal?: AbortSignal;
}

/** A live process held the lock for the whole wait. */
export class LockHeldError extends Error {
  override name = 'LockHeldError';
  constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {
    super(`${path} is held by pid ${holder.pid} since ${holder.since}`);
  }
}

/** Something is at the lock path that is not a lock file of ours; it is left alone. */
export class UnrecognizedLockError extends Error {
  override name = 'UnrecognizedLockError';
  constructor(readonly path: string) {
    super(`${path} exists but is not a lock file written by this program`);
  }
}

/** The wait was cut short by the signal (the agent is stopping). */
export class LockWaitAbortedError extends Error {
  override name = 'LockWaitAbortedError';
}

/** A held lock. release() is idempotent and removes the file only while it is still this holder's. */
export interface PidLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
  /** For process 'exit' handlers, where nothing asynchronous runs. */
  releaseSync(): void;
}

/** A lock file is a few dozen bytes; anything longer is not one of ours. */
const MAX_LOCK_BYTES = 256;

export function formatLock(holder: LockHolder): string {
  return `${JSON.stringify({ pid: holder.pid, since: holder.since, ...(holder.start === undefined ? {} : { start: holder.start }) })}\n`;
}

/** The holder a lock file names, or undefined when the text is not exactly what formatLock writes. */
export function parseLock(text: string): LockHolder | undefined {
  if (text.length > MAX_LOCK_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { pid, since, start } = (value ?? {}) as Partial<LockHolder>;
  if (!Number.isSafeInteger(pid) || (pid as number) < 1 || typeof since !== 'string') return undefined;
  if (start !== undefined && (typeof start !== 'string' || !START_ID.test(start))) return undefined;
  const holder: LockHolder = { pid: pid as number, since, ...(start === undefined ? {} : { start }) };
  return formatLock(holder) === text ? holder : undefined;
}

type Found = { kind: 'none' } | { kind: 'held'; holder: LockHolder; text: string } | { kind: 'unrecognized' };

async function readLock(path: string): Promise<Found> {
  let text: string;
  try {
    // Non-blocking and bounded: a FIFO or a device planted at the lock path must not hang us.
    text = await readRegularFile(path, MAX_LOCK_BYTES);
  } catch (error) {
    // ENOENT from open may still mean a dangling symlink is there, which O_EXCL counts as existing.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await lstat(path).catch(() => undefined)) === undefined) return { kind: 'none' };
    return { kind: 'unrecognized' };
  }
  const holder = parseLock(text);
  return holder === undefined ? { kind: 'unrecognized' } : { kind: 'held', holder, text };
}

const isExisting = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'EEXIST';

/**
 * A holder is gone when its pid is not running; when the pid is our own (a lock we do not hold
 * that names us was left by an earlier process that had the same pid, a container's pid 1); or
 * when the process running as that pid is not the one that wrote the lock (the holder died and
 * its pid was given to another process, or the machine rebooted). Without a start identity on
 * both sides, a running pid is taken as the holder: waiting for nothing is safer than breaking a
 * live lock.
 */
function isStale(holder: LockHolder, deps: PidLockDeps): boolean {
  if (holder.pid === deps.pid || !deps.isRunning(holder.pid)) return true;
  if (holder.start === undefined || deps.startId === undefined) return false;
  const now = deps.startId(holder.pid);
  return now !== undefined && now !== holder.start;
}

/**
 * Removes the stale lock `seen` (the exact text read) under the guard of `<path>.break`. False
 * when another live process holds the guard: it is breaking the lock, and the caller waits a turn.
 */
async function breakStaleLock(path: string, seen: string, deps: PidLockDeps): Promise<boolean> {
  const guard = `${path}.break`;
  const mine = formatLock({ pid: deps.pid, since: deps.now().toISOString() });
  try {
    await writeNewFileDurably(guard, mine, 0o600);
  } catch (error) {
    if (!isExisting(error)) throw error;
    // Another process is breaking it right now; or one died doing so, in which case its guard goes.
    const other = await readLock(guard);
    if (other.kind === 'held' && isStale(other.holder, deps)) {
      await unlink(guard).catch(() => undefined);
      return true;
    }
    return other.kind === 'none';
  }
  try {
    // Still the very lock judged stale? Then nobody has replaced it, and it can go.
    const current = await readRegularFile(path, MAX_LOCK_BYTES).catch(() => undefined);
    if (current === seen) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
  return true;
}

/** Takes the lock at `path`, waiting up to `waitMs` for a live holder, and breaking stale ones. */
export async function acquirePidLock(path: string, options: AcquireOptions, deps: PidLockDeps): Promise<PidLock> {
  const start = deps.startId?.(deps.pid);
  const holder: LockHolder = { pid: deps.pid, since: deps.now().toISOString(), ...(start === undefined ? {} : { start }) };
  const text = formatLock(holder);
  const deadline = deps.monotonicMs() + options.waitMs;
  let waiting = false;
  for (;;) {
    try {
      await writeNewFileDurably(path, text, 0o600);
      return heldLock(path, holder, text);
    } catch (error) {
      if (!isExisting(error)) throw error;
    }
    const found = await readLock(path);
    if (found.kind === 'none') continue;
    if (found.kind === 'held' && isStale(found.holder, deps) && (await breakStaleLock(path, found.text, deps))) continue;
    // A lock being written this instant reads empty: unrecognized now, readable at the next look.
    if (deps.monotonicMs() >= deadline) {
      if (found.kind === 'held') throw new LockHeldError(path, found.holder);
      if (found.kind === 'unrecognized') throw new UnrecognizedLockError(path);
    }
    if (found.kind === 'held' && !waiting) {
      waiting = true;
      options.onWait?.(found.holder);
    }
    const left = Math.max(0, deadline - deps.monotonicMs());
    if (!(await deps.sleep(Math.min(options.pollMs, left), options.signal))) throw new LockWaitAbortedError(`stopped while waiting for ${path}`);
  }
}

function heldLock(path: string, holder: LockHolder, text: string): PidLock {
  let released = false;
  return {
    path,
    holder,
    async release() {
      if (released) return;
      released = true;
      // Only while it is still ours: never someone else's lock that replaced a broken one.
      if ((await readRegularFile(path, MAX_LOCK_BYTES).catch(() => undefined)) === text) await unlink(path).catch(() => undefined);
    },
    releaseSync() {
      if (released) return;
      released = true;
      try {
        // lstat first: readFileSync on a FIFO put there would block the exit for ever.
        if (lstatSync(path).isFile() && readFileSync(path, 'utf8') === text) unlinkSync(path);
      } catch {
        // Gone already, or unreadable: either way nothing of ours is left to remove.
      }
    },
  };
}

/** process.kill(pid, 0): ESRCH means no such process; EPERM means it runs as another user. */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<boot id>:<start time in clock ticks since boot>`: the same only for the same process of the same boot. */
const START_ID = /^[0-9a-f-]{36}:\d{1,20}$/;
let bootId: string | undefined;

/**
 * The identity of the process running as `pid` on Linux: this boot's id and the process's start
 * time in clock ticks since boot (field 22 of /proc/PID/stat). Unlike a wall-clock start time it
 * cannot be moved by a clock that jumps. Undefined where /proc does not say (not Linux, or the
 * process is gone).
 */
export function processStartId(pid: number): string | undefined {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or ')': count after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    const id = `${bootId}:${ticks}`;
    return ticks !== undefined && START_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** This process, the real process table, the monotonic clock and timers; `now` is passed in for the holder's `since`. */
export const realPidLockDeps = (now: () => Date): PidLockDeps => ({ pid: process.pid, isRunning: processIsRunning, startId: processStartId, now, monotonicMs, sleep });
