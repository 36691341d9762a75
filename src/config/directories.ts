/**
 * Directory rules, all on real paths: no system directory; no two writers on one directory (they
 * would overwrite each other's files every cycle); and storage, which holds the CA's private keys,
 * neither inside an output directory nor holding one (outputs are shared with other programs).
 */
import { sep } from 'node:path';
import type { RealPath } from '../fs/real-path.js';
import type { Issue } from './lifetimes.js';
import { formatFieldPath } from './schema-issues.js';
import { systemDirectoryProblem } from './system-directories.js';
import type { Destination } from './types.js';
import type { FieldPath } from './yaml-document.js';

export interface PlacedDestination {
  /** Where the destination sits in the config, e.g. services[2].destination. */
  at: FieldPath;
  destination: Destination;
}

interface ClaimedDirectory {
  field: FieldPath;
  /** Symlinks resolved, so two routes to one directory compare equal. */
  real: string;
}

const inside = (child: string, parent: string): boolean => child.startsWith(parent === sep ? parent : `${parent}${sep}`);

/** `storage` first, then every output's destination. */
export async function checkDirectories(storage: Destination, outputs: readonly PlacedDestination[], realPath: RealPath, issue: Issue): Promise<void> {
  const directories = [{ at: ['storage'] as FieldPath, destination: storage }, ...outputs].flatMap(({ at, destination }) =>
    destination.type === 'directory' ? [{ field: [...at, 'path'] as FieldPath, path: destination.path }] : [],
  );
  const reals = await Promise.all(directories.map(({ path }) => realPath(path)));
  const usable = directories.flatMap(({ field, path }, index): ClaimedDirectory[] => {
    const real = reals[index] as string;
    const problem = systemDirectoryProblem(real);
    if (problem === undefined) return [{ field, real }];
    const via = real === path ? '' : ` (it resolves to ${real})`;
    issue(field, `${path} ${problem}${via}`, 'a directory of its own, such as /var/lib/tbot or /opt/machine-id');
    return [];
  });
  const storageDir = usable.find((dir) => dir.field[0] === 'storage');
  const claimed = new Map<string, FieldPath>(storageDir === undefined ? [] : [[storageDir.real, storageDir.field]]);
  for (const dir of usable) {
    if (dir === storageDir) continue;
    const previous = claimed.get(dir.real);
    if (previous !== undefined) {
      issue(dir.field, `directory is already used by ${formatFieldPath(previous)}`, 'a directory that no other output or storage uses');
    } else if (storageDir !== undefined && inside(dir.real, storageDir.real)) {
      issue(dir.field, 'directory is inside storage.path, next to the certificate authority keys', 'a directory outside storage.path');
    } else if (storageDir !== undefined && inside(storageDir.real, dir.real)) {
      issue(
        storageDir.field,
        `storage directory is inside the directory of ${formatFieldPath(dir.field)}, which is shared with other programs`,
        'a storage directory outside every output directory',
      );
    } else {
      claimed.set(dir.real, dir.field);
    }
  }
}
