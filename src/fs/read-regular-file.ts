/**
 * Reads a small file that must be a regular file. Opening is non-blocking, so a FIFO never waits
 * for a writer; fstat then refuses anything that is not a regular file (FIFO, device, directory,
 * socket), and the read stops one byte past the limit, so neither /dev/urandom nor a file that
 * grows after the check can make it read without end.
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { describeFileType } from './describe-fs-error.js';

/** The file exists but is not something this reader will take; the message says what it is. */
export class RefusedFileError extends Error {
  override name = 'RefusedFileError';
}

/** A regular file over the reader's limit: unlike a FIFO or a device, its owner may treat it as damaged content. */
export class FileTooLargeError extends RefusedFileError {
  override name = 'FileTooLargeError';
}

/** `inspect` sees the open file's fstat before any byte is read, and may throw to refuse it. */
export async function readRegularFile(path: string, maxBytes: number, inspect?: (info: Stats) => void): Promise<string> {
  return (await readRegularFileBytes(path, maxBytes, inspect)).toString('utf8');
}

/** readRegularFile for binary content (keys, ids): the same checks, the bytes as read. */
export async function readRegularFileBytes(path: string, maxBytes: number, inspect?: (info: Stats) => void): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new RefusedFileError(`${describeFileType(info)}, not a regular file`);
    inspect?.(info);
    const tooLarge = new FileTooLargeError(`larger than ${formatBytes(maxBytes)}, the limit for this file`);
    if (info.size > maxBytes) throw tooLarge;
    // Only the bytes read are ever looked at, so the buffer need not be zeroed.
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const wanted = buffer.length - length;
      const { bytesRead } = await handle.read(buffer, length, wanted, length);
      length += bytesRead;
      // A short read from a regular file means its end was reached.
      if (bytesRead < wanted) break;
    }
    if (length > maxBytes) throw tooLarge;
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function formatBytes(bytes: number): string {
  return bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}
