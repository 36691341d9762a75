/**
 * Where an output's files go. A directory destination replaces its whole file set atomically
 * (0600 files in 0700 directories); a memory destination keeps the set in this process only.
 */
import type { Destination } from '../config/types.js';
import { RenewalError } from '../errors.js';
import { replaceFileSet, UnownedEntryError } from '../fs/atomic-file-set.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import { ensureDirectory, NotADirectoryError } from '../fs/ensure-directory.js';

export type FileSet = ReadonlyMap<string, string>;

export interface DestinationWriter {
  /** Human label for logs, e.g. "directory /var/lib/tbot/out" or "memory". */
  readonly label: string;
  /** The directory, for outputs (ssh_config) that must name their own files. */
  readonly directory?: string;
  /** Replaces every file of the previous set with `files`, all at once. */
  replaceFiles(files: FileSet, now: Date): Promise<void>;
}

function describeDestinationError(error: unknown): string {
  if (error instanceof NotADirectoryError) return `${error.message}; expected a directory there (tbot creates it if it is missing)`;
  if (error instanceof UnownedEntryError) {
    return `${error.path} is ${error.found} that was not created by tbot, and tbot will not replace it; move it away, or choose a destination directory of its own`;
  }
  return describeFsError(error);
}

export class DirectoryDestination implements DestinationWriter {
  readonly label: string;
  constructor(readonly directory: string) {
    this.label = `directory ${directory}`;
  }

  async replaceFiles(files: FileSet, now: Date): Promise<void> {
    try {
      await ensureDirectory(this.directory, 0o700);
      await replaceFileSet(this.directory, files, now);
    } catch (error) {
      throw new RenewalError(this.label, describeDestinationError(error), { cause: error });
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
