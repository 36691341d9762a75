/**
 * `tbot init`'s work on one destination directory: create it if missing (0700), give it to the
 * owner, set its mode to 0700, give the owner what this agent wrote in it earlier (so an agent
 * running as that owner can replace and remove it), and with `clean` remove what earlier runs left
 * behind. Only entries this agent makes (atomic-file-set.ts) are ever changed or removed; anything
 * else in the directory is named in the log and left exactly as it is.
 *
 * tbot's Go `init` also creates each output file empty, with its owner and mode (or ACLs). Here
 * the files are links through `..data` that the first renewal makes, so that a renewal can swap
 * the whole set at once; a file made beforehand would be one the agent then refuses to replace.
 */
import { chown, chmod, lchown, lstat, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { classifyOwnEntries } from './atomic-file-set.js';
import { ensureDirectory } from './ensure-directory.js';
import type { Owner } from './owner.js';

export const DIRECTORY_MODE = 0o700;

export interface PrepareOptions {
  owner: Owner;
  clean: boolean;
  logger: Logger;
  /** The uid this process runs as, for the "not root" warning; undefined where there are no uids. */
  currentUid: number | undefined;
}

export interface PrepareReport {
  created: boolean;
  /** Entries this agent made that now belong to the owner (the directory itself not counted). */
  chowned: number;
  removed: string[];
  /** Entries this agent did not make: never touched. */
  leftAlone: string[];
}

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

/** Gives `path` (not following a link) to the owner unless it already is theirs; returns whether it changed. */
async function giveTo(path: string, owner: Owner): Promise<boolean> {
  const info = await lstat(path);
  if (info.uid === owner.uid && info.gid === owner.gid) return false;
  await (info.isSymbolicLink() ? lchown : chown)(path, owner.uid, owner.gid);
  return true;
}

/** A generation directory and everything in it (this agent's own, so walking it follows no foreign link). */
async function giveTreeTo(path: string, owner: Owner): Promise<number> {
  let changed = (await giveTo(path, owner)) ? 1 : 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    changed += entry.isDirectory() ? await giveTreeTo(child, owner) : (await giveTo(child, owner)) ? 1 : 0;
  }
  return changed;
}

export async function prepareDestination(dir: string, options: PrepareOptions): Promise<PrepareReport> {
  const { owner, logger } = options;
  const existed = (await stat(dir).catch(() => undefined)) !== undefined;
  await ensureDirectory(dir, DIRECTORY_MODE);
  if (!existed) logger.info('created', { path: dir });

  const info = await stat(dir);
  if (info.uid !== owner.uid || info.gid !== owner.gid) {
    if (options.currentUid !== undefined && options.currentUid !== 0) logger.warn('not running as root, so changing the owner is likely to fail');
    if (existed) logger.warn('the owner of the directory is not the one asked for, and will be corrected', { path: dir, owner: owner.label });
    await chown(dir, owner.uid, owner.gid);
  }
  if ((info.mode & 0o7777) !== DIRECTORY_MODE) {
    await chmod(dir, DIRECTORY_MODE);
    if (existed) logger.info('corrected permissions', { path: dir, from: octal(info.mode), to: octal(DIRECTORY_MODE) });
  }

  const entries = await classifyOwnEntries(dir);
  let chowned = 0;
  if (entries.current !== undefined) chowned += await giveTreeTo(join(dir, entries.current), owner);
  const links = [...(entries.dataLink === undefined ? [] : [entries.dataLink]), ...entries.liveLinks, ...(options.clean ? [] : entries.leftovers)];
  for (const name of links) {
    const path = join(dir, name);
    const isDirectory = (await lstat(path)).isDirectory();
    chowned += isDirectory ? await giveTreeTo(path, owner) : (await giveTo(path, owner)) ? 1 : 0;
  }

  const removed: string[] = [];
  if (options.clean) {
    for (const name of entries.leftovers) {
      const path = join(dir, name);
      if ((await lstat(path)).isDirectory()) await rm(path, { recursive: true, force: true });
      else await unlink(path);
      removed.push(name);
      logger.info('removed a leftover of an earlier run', { path });
    }
  } else if (entries.leftovers.length > 0) {
    logger.info(`${entries.leftovers.length} leftover(s) of an earlier run found; --clean removes them`, { path: dir });
  }
  if (entries.others.length > 0) {
    logger.info('not created by tbot, so left alone', { path: dir, entries: entries.others.sort().join(',') });
  }
  return { created: !existed, chowned, removed, leftAlone: entries.others };
}
