/**
 * V8 code cache files for the launcher (Node 20; Node ≥ 22.1 has its own compile cache). One file
 * per chunk, `<chunk file name>.v8`, in a private directory per install. A file starts with one
 * header line naming exactly what it was made from (the Node version and architecture, the build,
 * and the chunk file's size, mtime, ctime and inode) and the CRC-32 of what follows, then V8's
 * data. V8 itself checks little more than the source's length, so the header is what keeps a cache
 * from ever meeting another source: a rebuilt, upgraded, copied or edited chunk has another header,
 * and its cache is made again. And a release build of V8 checks no checksum of the data: damaged
 * data (a bad disk block, a half-written sector after a power cut) would crash it, or run code the
 * chunk does not hold, on every run from then on. The CRC turns such a file down instead.
 * Everything here fails quietly: a cache that cannot be read or written is no cache.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';

const HEADER = 'tbot-v8-code-cache 2';
const SUFFIX = '.v8';
/** Bigger than any chunk's cache: a file this large is not ours. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** A temp file this old (ms) was left by a run that died before renaming it. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** What a chunk's cache is valid for. `build` is the build's own hash (the launcher has it baked in). */
export function cacheKey(build: string, chunk: Stats): string {
  return [process.version, process.arch, build, chunk.size, chunk.mtimeMs, chunk.ctimeMs, chunk.ino].join(' ');
}

/** The CRC-32 of V8's data, as 8 hex digits. node:zlib is loaded only once there is a cache to check or write (getBuiltinModule: this runs as CommonJS in the launcher and as ESM in tests). */
function checksum(data: Uint8Array): string {
  return process.getBuiltinModule('node:zlib').crc32(data).toString(16).padStart(8, '0');
}

export interface CodeCacheStore {
  readonly dir: string;
  /** The cached data for `chunk` made under `key`, or undefined. */
  read(chunk: string, key: string): Buffer | undefined;
  /** Writes atomically (0600 temp file, then rename); false when it could not. */
  write(chunk: string, key: string, data: Buffer): boolean;
  /** Removes the cache files of chunks that are no longer in the build, and temp files left by killed runs. */
  prune(chunks: ReadonlySet<string>): void;
}

/** A store over `dir`, which the caller has found private (see cache-dir.ts). */
export function codeCacheStore(dir: string, uid: number | undefined): CodeCacheStore {
  const fileOf = (chunk: string): string => join(dir, `${chunk}${SUFFIX}`);
  return {
    dir,
    read(chunk, key) {
      let fd: number | undefined;
      try {
        fd = openSync(fileOf(chunk), 'r');
        const info = fstatSync(fd);
        // Only a regular file of ours that nobody else can write.
        if (!info.isFile() || info.size > MAX_CACHE_BYTES || (uid !== undefined && (info.uid !== uid || (info.mode & 0o022) !== 0))) return undefined;
        const bytes = readFileSync(fd);
        const prefix = `${HEADER} ${key} `;
        // The header is the prefix, 8 hex digits of CRC and a newline.
        const dataStart = Buffer.byteLength(prefix) + 9;
        if (bytes.length <= dataStart || bytes[dataStart - 1] !== 0x0a || bytes.toString('utf8', 0, dataStart - 9) !== prefix) return undefined;
        const data = bytes.subarray(dataStart);
        return bytes.toString('latin1', dataStart - 9, dataStart - 1) === checksum(data) ? data : undefined;
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    write(chunk, key, data) {
      const temp = join(dir, `.${chunk}.${process.pid}.${Date.now().toString(36)}.tmp`);
      try {
        const fd = openSync(temp, 'wx', 0o600);
        try {
          writeSync(fd, `${HEADER} ${key} ${checksum(data)}\n`);
          writeSync(fd, data);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, fileOf(chunk));
        return true;
      } catch {
        try {
          unlinkSync(temp);
        } catch {
          // Never created, or already gone.
        }
        return false;
      }
    },
    prune(chunks) {
      try {
        for (const name of readdirSync(dir)) {
          if (name.endsWith(SUFFIX) && !name.startsWith('.') && !chunks.has(name.slice(0, -SUFFIX.length))) unlinkSync(join(dir, name));
          // A run killed between writing and renaming leaves its temp file; one this old is no write in progress.
          else if (name.startsWith('.') && name.endsWith('.tmp') && Date.now() - statSync(join(dir, name)).mtimeMs > STALE_TEMP_MS) unlinkSync(join(dir, name));
        }
      } catch {
        // Pruning is tidying; the cache works without it.
      }
    },
  };
}
