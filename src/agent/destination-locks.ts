/**
 * One agent per destination directory. Two agents writing one directory remove each other's
 * half-written generations and temp links (each takes the other's for a killed run's leftovers),
 * so one of them failed at random with a bare "no such file or directory". Each directory
 * destination is therefore locked for the life of the agent: a second agent waits a bounded time
 * for the first to finish (two one-shot runs started together simply run one after the other),
 * then gives up with a message naming the process that holds it.
 *
 * The lock file is `..tbot.lock` in the destination: a `..` name, like `..data`, so it is never an
 * output file nor listed among them, and no output name can collide with it.
 */
import { rmdirSync } from 'node:fs';
import { lstat, rmdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { BotConfig } from '../config/types.js';
import { TbotError } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import { ensureDirectory } from '../fs/ensure-directory.js';
import { acquirePidLock, LockHeldError, type LockHolder, LockWaitAbortedError, type PidLock, type PidLockDeps, realPidLockDeps, UnrecognizedLockError } from '../fs/pid-lock.js';
import { formatDuration } from '../config/duration.js';
import type { Logger } from '../log/logger.js';

export const DESTINATION_LOCK_FILE = '..tbot.lock';
/** Long enough for another one-shot run on the same directory to finish; short enough to fail a misconfiguration promptly. */
export const DESTINATION_LOCK_WAIT_MS = 15_000;
export const DESTINATION_LOCK_POLL_MS = 100;
/** TEST ONLY: a shorter wait for a busy destination, in ms (never longer than the default). */
export const TEST_DESTINATION_LOCK_WAIT_ENV = 'TBOT_TEST_DESTINATION_LOCK_WAIT_MS';

export function destinationLockWaitMs(env: Readonly<Record<string, string | undefined>>): number {
  const text = env[TEST_DESTINATION_LOCK_WAIT_ENV];
  if (text === undefined || !/^\d{1,9}$/.test(text)) return DESTINATION_LOCK_WAIT_MS;
  return Math.min(Number(text), DESTINATION_LOCK_WAIT_MS);
}

/** Another live agent holds a destination directory. */
export class DestinationBusyError extends TbotError {
  readonly exitCode = 1;
  override name = 'DestinationBusyError';
  constructor(
    readonly directory: string,
    readonly holder: LockHolder,
    waitedMs: number,
  ) {
    super(
      `destination directory ${directory} is in use by another tbot agent (pid ${holder.pid}, since ${holder.since}); ` +
        `waited ${formatDuration(waitedMs)} for it to finish. Stop that agent, or give each agent a destination directory of its own`,
    );
  }
}

/** Something that is not a tbot lock sits at the lock path: it is never removed, so the agent cannot go on. */
export class DestinationLockError extends TbotError {
  readonly exitCode = 1;
  override name = 'DestinationLockError';
}

export interface DestinationLocks {
  release(): Promise<void>;
  /** For the process 'exit' event, should the agent end without reaching release(). */
  releaseSync(): void;
}

/**
 * Last taken, first released, one at a time: the first lock of a tree made the parents the others
 * share (`.tbot/`, `.tbot/all-kinds/`), and can take them back only once its siblings are gone.
 * Released together, whichever ran first found a parent not yet empty, and left it behind.
 */
async function releaseInTurn(held: readonly PidLock[]): Promise<void> {
  for (const lock of held.toReversed()) await lock.release();
}

/** The distinct directory destinations of the outputs, sorted: every agent takes them in the same order, so two never deadlock. */
export function lockedDirectories(config: BotConfig): string[] {
  const directories = new Set<string>();
  for (const output of config.outputs) if (output.destination.type === 'directory') directories.add(resolve(output.destination.path));
  return [...directories].sort();
}

export interface LockOptions {
  logger: Logger;
  now: () => Date;
  signal: AbortSignal;
  /** The real process, clock and file checks unless a test passes its own. */
  lock?: PidLockDeps;
  waitMs?: number;
}

/** Locks every directory destination, or none: on failure those already taken are released. */
export async function lockDestinations(config: BotConfig, options: LockOptions): Promise<DestinationLocks> {
  const held: PidLock[] = [];
  const waitMs = options.waitMs ?? DESTINATION_LOCK_WAIT_MS;
  try {
    for (const directory of lockedDirectories(config)) {
      const lock = await lockOne(directory, waitMs, options);
      if (lock !== undefined) held.push(lock);
    }
  } catch (error) {
    await releaseInTurn(held);
    throw error;
  }
  return {
    release: () => releaseInTurn(held),
    releaseSync: () => {
      for (const lock of held.toReversed()) lock.releaseSync();
    },
  };
}

/**
 * Undefined when the directory cannot be made or written at all: then no second agent can write
 * there either, and the renewal reports why in its own words (what is in the way, read-only…).
 */
async function lockOne(directory: string, waitMs: number, options: LockOptions): Promise<PidLock | undefined> {
  const created = await missingLevels(directory);
  try {
    // The agent creates a missing destination on its first write anyway; the lock needs it now.
    await ensureDirectory(directory, 0o700);
  } catch (error) {
    options.logger.debug('destination directory not locked: it cannot be created', { directory, reason: describeFsError(error) });
    return undefined;
  }
  try {
    const lock = await acquirePidLock(
      resolve(directory, DESTINATION_LOCK_FILE),
      {
        waitMs,
        pollMs: DESTINATION_LOCK_POLL_MS,
        signal: options.signal,
        onWait: (holder) =>
          options.logger.info('waiting for another tbot agent to finish with the destination directory', { directory, pid: holder.pid, wait_up_to: formatDuration(waitMs) }),
      },
      options.lock ?? realPidLockDeps(options.now),
    );
    return created.length === 0 ? lock : withCleanup(lock, created);
  } catch (error) {
    await removeIfEmpty(created);
    if (error instanceof LockHeldError) throw new DestinationBusyError(directory, error.holder, waitMs);
    if (error instanceof UnrecognizedLockError) {
      throw new DestinationLockError(`destination directory ${directory}: ${error.path} exists but is not a tbot lock file, and tbot will not remove it; move it away`);
    }
    if (error instanceof LockWaitAbortedError) throw error;
    options.logger.debug('destination directory not locked: the lock file cannot be written', { directory, reason: describeFsError(error) });
    return undefined;
  }
}

/** The levels of `directory` that do not exist yet, deepest first. */
async function missingLevels(directory: string): Promise<string[]> {
  const missing: string[] = [];
  for (let level = directory; dirname(level) !== level && (await lstat(level).catch(() => undefined)) === undefined; level = dirname(level)) missing.push(level);
  return missing;
}

/** Directories this agent made, deepest first, removed again only while empty: a run that wrote nothing leaves nothing. */
async function removeIfEmpty(levels: readonly string[]): Promise<void> {
  for (const level of levels)
    if (
      !(await rmdir(level).then(
        () => true,
        () => false,
      ))
    )
      return;
}

/** The lock, whose release also takes back the directories made only to hold it, if nothing was written into them. */
function withCleanup(lock: PidLock, created: readonly string[]): PidLock {
  return {
    ...lock,
    release: async () => {
      await lock.release();
      await removeIfEmpty(created);
    },
    releaseSync: () => {
      lock.releaseSync();
      for (const level of created) {
        try {
          rmdirSync(level);
        } catch {
          return;
        }
      }
    },
  };
}
