/**
 * Replaces a whole set of files in a directory at once, the way Kubernetes' AtomicWriter updates
 * mounted secrets: each generation is written, fsynced, into its own hidden directory
 * (`..<time>_<random>`), then one symlink (`..data`) is renamed to point at it. The visible files
 * are symlinks through `..data`, so a reader or a crash sees either the previous complete set or
 * the new complete set, never a mix.
 *
 * A name may have one or more directory parts (`cockroach/node.crt`): the subdirectory lives inside
 * the generation, and its visible name (`cockroach`) is one more symlink through `..data`, so the
 * files under it change with the same single rename as the rest of the set.
 *
 * The directory may hold other people's files, so this only ever removes or replaces entries it
 * made itself: visible names that are symlinks into `..data`, temp links and generation
 * directories whose exact names (random suffix included) it uses, each checked with lstat.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, readlink, rename, rm, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeFileType } from './describe-fs-error.js';
import { fsyncDirectory, writeNewFileDurably } from './fsync.js';

export const DATA_LINK = '..data';
const DATA_LINK_TEMP = '..data_tmp';
const GENERATION = /^\.\.\d{8}T\d{6}\.\d{3}Z_[0-9a-f]{8}$/;
/** `.<name>.<8 hex digits>.link`, the temp symlink pointSymlink renames into place. */
const TEMP_LINK = /^\.(.+)\.[0-9a-f]{8}\.link$/;

/** An entry the set would replace exists, and this code did not make it. */
export class UnownedEntryError extends Error {
  override name = 'UnownedEntryError';
  constructor(
    readonly path: string,
    /** What is there, e.g. "a regular file". */
    readonly found: string,
  ) {
    super(`${path} is ${found} that was not created by this program`);
  }
}

/** A set's file name was not a plain relative path (a programming error, never user input). */
export class BadFileNameError extends Error {
  override name = 'BadFileNameError';
}

/** The top-level entries a set shows: `cockroach/node.crt` is served through the link `cockroach`. */
function visibleNames(names: Iterable<string>): Set<string> {
  const visible = new Set<string>();
  for (const name of names) {
    const parts = name.split('/');
    if (parts.some((part) => part === '' || part === '.' || part === '..') || parts[0]!.startsWith('..'))
      throw new BadFileNameError(`not a relative file name: ${JSON.stringify(name)}`);
    visible.add(parts[0]!);
  }
  return visible;
}

function generationName(now: Date): string {
  return `..${now.toISOString().replaceAll('-', '').replaceAll(':', '')}_${randomBytes(4).toString('hex')}`;
}

const lstatOrUndefined = (path: string): Promise<Stats | undefined> => lstat(path).catch(() => undefined);

async function readLinkOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL') return undefined;
    throw error;
  }
}

/** A visible name this code made: a symlink to `..data/<name>`. */
async function isOwnVisibleLink(dir: string, name: string): Promise<boolean> {
  return (await readLinkOrUndefined(join(dir, name))) === `${DATA_LINK}/${name}`;
}

/**
 * Refuses, before anything is written, to replace an entry someone else put there, and returns
 * the generation `..data` points at now, if any. The checks run side by side: this is on every
 * cycle's path, and each file-system call waits its turn on libuv's pool behind key generation.
 */
async function checkReplaceable(dir: string, names: Iterable<string>): Promise<string | undefined> {
  const [data, previous, dataTemp] = await Promise.all([
    lstatOrUndefined(join(dir, DATA_LINK)),
    readLinkOrUndefined(join(dir, DATA_LINK)),
    lstatOrUndefined(join(dir, DATA_LINK_TEMP)),
    ...[...names].map(async (name) => {
      const [info, target] = await Promise.all([lstatOrUndefined(join(dir, name)), readLinkOrUndefined(join(dir, name))]);
      if (info === undefined || target === `${DATA_LINK}/${name}`) return;
      throw new UnownedEntryError(join(dir, name), info.isSymbolicLink() ? 'a symbolic link not into ..data' : describeFileType(info));
    }),
  ]);
  if (data !== undefined && !GENERATION.test(previous ?? '')) {
    throw new UnownedEntryError(join(dir, DATA_LINK), data.isSymbolicLink() ? 'a symbolic link not to a generation directory' : describeFileType(data));
  }
  if (dataTemp !== undefined && !dataTemp.isSymbolicLink()) throw new UnownedEntryError(join(dir, DATA_LINK_TEMP), describeFileType(dataTemp));
  return previous;
}

/** Generations and temp links a killed run left behind: finished or abandoned, never in use. */
async function removeLeftovers(dir: string, names: ReadonlySet<string>, current: string | undefined): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry === current) continue;
    const isGeneration = GENERATION.test(entry);
    const linkName = TEMP_LINK.exec(entry)?.[1];
    const isTempLink = entry === DATA_LINK_TEMP || (linkName !== undefined && names.has(linkName));
    if (!isGeneration && !isTempLink) continue;
    const info = await lstatOrUndefined(join(dir, entry));
    if (isGeneration && info?.isDirectory() === true) await rm(join(dir, entry), { recursive: true, force: true });
    else if (isTempLink && info?.isSymbolicLink() === true) await unlink(join(dir, entry));
  }
}

/** Points `name` at `target` atomically (a temp symlink renamed over it). */
async function pointSymlink(dir: string, name: string, target: string): Promise<void> {
  if ((await readLinkOrUndefined(join(dir, name))) === target) return;
  const temp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.link`);
  await symlink(target, temp);
  await rename(temp, join(dir, name));
}

/** Creates the generation's subdirectories (0700), parents first; returns every directory to fsync, deepest first. */
async function makeSubdirectories(root: string, names: Iterable<string>): Promise<string[]> {
  const directories = new Set<string>();
  for (const name of names) {
    for (let parent = dirname(name); parent !== '.'; parent = dirname(parent)) directories.add(parent);
  }
  const ordered = [...directories].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const directory of ordered) await mkdir(join(root, directory), { mode: 0o700 });
  return [...ordered.reverse().map((directory) => join(root, directory)), root];
}

export async function replaceFileSet(dir: string, files: ReadonlyMap<string, string | Uint8Array>, now: Date): Promise<void> {
  const visible = visibleNames(files.keys());
  const previous = await checkReplaceable(dir, visible);
  const [previousNames, previousInfo] =
    previous === undefined ? [[], undefined] : await Promise.all([readdir(join(dir, previous)).catch((): string[] => []), lstatOrUndefined(join(dir, previous))]);
  await removeLeftovers(dir, new Set([...visible, ...previousNames]), previous);

  const generation = generationName(now);
  await mkdir(join(dir, generation), { mode: 0o700 });
  const directories = await makeSubdirectories(join(dir, generation), files.keys());
  // Written side by side so the fsyncs overlap instead of queueing.
  await Promise.all([...files].map(([name, data]) => writeNewFileDurably(join(dir, generation, name), data, 0o600)));
  await Promise.all(directories.map(fsyncDirectory));

  // Visible names first (dangling until the swap for names the previous set lacked), then the swap.
  await Promise.all([...visible].map((name) => pointSymlink(dir, name, `${DATA_LINK}/${name}`)));
  await symlink(generation, join(dir, DATA_LINK_TEMP));
  await rename(join(dir, DATA_LINK_TEMP), join(dir, DATA_LINK));
  await fsyncDirectory(dir);

  for (const name of previousNames) {
    if (!visible.has(name) && (await isOwnVisibleLink(dir, name))) await unlink(join(dir, name));
  }
  // checkReplaceable made sure `previous`, if any, is a generation name; lstat, that it is a real directory.
  if (previous !== undefined && previousInfo?.isDirectory() === true) {
    await rm(join(dir, previous), { recursive: true, force: true });
  }
}

/** A directory's entries sorted by who made them: this code (by the same rules it replaces by), or someone else. */
export interface OwnEntries {
  /** The generation `..data` points at, if any. */
  current?: string;
  /** `..data` itself, when it is a link to a generation. */
  dataLink?: string;
  /** Visible names linked into `..data` whose file the current generation has. */
  liveLinks: string[];
  /** What a killed or older run left: other generations, temp links, and visible links into `..data` to nothing. */
  leftovers: string[];
  /** Everything else: not made by this code, never touched. */
  others: string[];
}

/** `..data_tmp` linked to a generation, or `.<name>.<hex>.link` linked to `..data/<name>`: exactly what this code makes. */
async function isOwnTempLink(dir: string, entry: string): Promise<boolean> {
  const target = await readLinkOrUndefined(join(dir, entry));
  if (entry === DATA_LINK_TEMP) return GENERATION.test(target ?? '');
  const name = TEMP_LINK.exec(entry)?.[1];
  return name !== undefined && target === `${DATA_LINK}/${name}`;
}

export async function classifyOwnEntries(dir: string): Promise<OwnEntries> {
  const entries = await readdir(dir);
  const target = await readLinkOrUndefined(join(dir, DATA_LINK));
  const current = target !== undefined && GENERATION.test(target) && (await lstatOrUndefined(join(dir, target)))?.isDirectory() === true ? target : undefined;
  const currentNames = new Set(current === undefined ? [] : await readdir(join(dir, current)).catch((): string[] => []));
  const result: OwnEntries = { ...(current === undefined ? {} : { current, dataLink: DATA_LINK }), liveLinks: [], leftovers: [], others: [] };
  for (const entry of entries) {
    if (entry === current || (entry === DATA_LINK && current !== undefined)) continue;
    const info = await lstatOrUndefined(join(dir, entry));
    if (info === undefined) continue;
    if (GENERATION.test(entry) && info.isDirectory()) result.leftovers.push(entry);
    else if (info.isSymbolicLink() && (await isOwnTempLink(dir, entry))) result.leftovers.push(entry);
    else if (info.isSymbolicLink() && (await isOwnVisibleLink(dir, entry))) (currentNames.has(entry) ? result.liveLinks : result.leftovers).push(entry);
    else result.others.push(entry);
  }
  return result;
}
