/**
 * Where an output's files go. A directory destination writes each file atomically (0600 in a 0700
 * directory); a memory destination keeps them in this process only.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Destination } from '../config/types.js';
import { RenewalError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export interface DestinationWriter {
  /** Human label for logs, e.g. "directory /var/lib/tbot/out" or "memory". */
  readonly label: string;
  prepare(): Promise<void>;
  write(name: string, data: string | Uint8Array): Promise<void>;
  read(name: string): Promise<Uint8Array | undefined>;
}

export class DirectoryDestination implements DestinationWriter {
  readonly label: string;
  constructor(readonly path: string) {
    this.label = `directory ${path}`;
  }

  async prepare(): Promise<void> {
    try {
      await mkdir(this.path, { recursive: true, mode: 0o700 });
      const info = await stat(this.path);
      if (!info.isDirectory()) throw new RenewalError(this.label, 'exists and is not a directory');
    } catch (error) {
      if (error instanceof RenewalError) throw error;
      throw new RenewalError(this.label, describeFsError(error), { cause: error });
    }
  }

  async write(name: string, data: string | Uint8Array): Promise<void> {
    try {
      await writeFileAtomic(join(this.path, name), data, 0o600);
    } catch (error) {
      throw new RenewalError(this.label, `cannot write ${name}: ${describeFsError(error)}`, { cause: error });
    }
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    return readFile(join(this.path, name)).catch(() => undefined);
  }
}

export class MemoryDestination implements DestinationWriter {
  readonly label = 'memory';
  private readonly files = new Map<string, Uint8Array>();

  async prepare(): Promise<void> {}

  async write(name: string, data: string | Uint8Array): Promise<void> {
    this.files.set(name, typeof data === 'string' ? Buffer.from(data) : data);
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    return this.files.get(name);
  }
}

export function openDestination(destination: Destination): DestinationWriter {
  return destination.type === 'directory' ? new DirectoryDestination(destination.path) : new MemoryDestination();
}

function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a parent of this path is not a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return code ?? message;
  }
}
