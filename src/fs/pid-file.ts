/**
 * `--pid-file`: the agent's process id, written atomically (a reader never sees a half-written
 * number) and removed when the process exits, but only while it still holds this process's id:
 * a file another process (a restarted agent) has since written is left alone.
 */
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';

/** A pid is at most 7 digits on Linux (pid_max ≤ 4194304); anything longer is not ours. */
const MAX_PID_FILE_BYTES = 32;

export async function writePidFile(path: string, pid: number): Promise<void> {
  // 0644, as pid files usually are: a supervisor running as another user reads it.
  await writeFileAtomic(path, `${pid}\n`, 0o644);
}

/** The pid a regular file holds, or undefined (missing, not a regular file, not a pid). Never blocks on a FIFO. */
function readPid(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(MAX_PID_FILE_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.toString('utf8', 0, length).trim();
    return length <= MAX_PID_FILE_BYTES && /^[0-9]+$/.test(text) ? Number(text) : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the file if it still names `pid`; returns whether it did. Synchronous, because it runs
 * in the process's 'exit' handler, where nothing asynchronous runs any more.
 */
export function removePidFileIfOurs(path: string, pid: number): boolean {
  if (readPid(path) !== pid) return false;
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
