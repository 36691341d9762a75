/**
 * Directories no output or storage may use. An output replaces the files it names in its
 * directory and storage holds the CA keys, so pointing either at a system directory could replace
 * a system file (/etc/ssh/ssh_config) or spread keys into a shared place. Paths are compared after
 * symlinks are resolved, so /tmp/x -> /etc is caught too.
 */
import { sep } from 'node:path';

/** Owned by the OS or its package manager: refused together with everything inside them. */
const SYSTEM_TREES = ['/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/boot', '/proc', '/sys', '/dev'];

/** Parents shared by many programs or users: refused themselves, while a directory of its own inside is fine (/var/lib/tbot). */
const SHARED_PARENTS = ['/', '/home', '/root', '/var', '/var/lib', '/var/log', '/var/tmp', '/opt', '/srv', '/tmp', '/run', '/mnt', '/media'];

/** Why `realPath` (absolute, symlinks resolved) is not acceptable, or undefined when it is. */
export function systemDirectoryProblem(realPath: string): string | undefined {
  const tree = SYSTEM_TREES.find((root) => realPath === root || realPath.startsWith(`${root}${sep}`));
  if (tree !== undefined) return `is inside ${tree}, a system directory`;
  if (SHARED_PARENTS.includes(realPath)) return `is ${realPath} itself, a directory the whole system shares`;
  return undefined;
}
