/**
 * Where an output's files go. A directory destination replaces its whole file set atomically
 * (0600 files in 0700 directories); a memory destination keeps the set in this process only.
 */
import { mkdir, stat } from 'node:fs/promises';
import type { Destination } from '../config/types.js';
import { RenewalError } from '../errors.js';
import { replaceFileSet } from '../fs/atomic-file-set.js';
import { describeFsError } from '../fs/describe-fs-error.js';

export type FileSet = ReadonlyMap<string, string>;

export interface DestinationWriter {
  /** Human label for logs, e.g. "directory /var/lib/tbot/out" or "memory". */
  readonly label: string;
  /** The directory, for outputs (ssh_config) that must name their own files. */
  readonly directory?: string;
  /** Replaces every file of the previous set with `files`, all at once. */
  replaceFiles(files: FileSet, now: Date): Promise<void>;
}

export class DirectoryDestination implements DestinationWriter {
  readonly label: string;
  constructor(readonly directory: string) {
    this.label = `directory ${directory}`;
  }

  async replaceFiles(files: FileSet, now: Date): Promise<void> {
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      if (!(await stat(this.directory)).isDirectory()) throw new RenewalError(this.label, 'exists and is not a directory');
      await replaceFileSet(this.directory, files, now);
    } catch (error) {
      if (error instanceof RenewalError) throw error;
      throw new RenewalError(this.label, describeFsError(error), { cause: error });
    }
  }
}

export class MemoryDestination implements DestinationWriter {
  readonly label = 'memory';
  /** The current set, kept for the life of the process. */
  files: FileSet = new Map();

  async replaceFiles(files: FileSet): Promise<void> {
    this.files = new Map(files);
  }
}

export function openDestination(destination: Destination): DestinationWriter {
  return destination.type === 'directory' ? new DirectoryDestination(destination.path) : new MemoryDestination();
}
