/** What a child process holds open, read from Linux's /proc: its fds, and its TCP sockets to one port. */
import { readdir, readFile, readlink } from 'node:fs/promises';

export async function fdCount(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** TCP connections the process holds whose remote end is `port` (IPv4 or IPv6). */
export async function socketsTo(pid: number, port: number): Promise<number> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    const rows = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const row of rows) {
      const columns = row.trim().split(/\s+/);
      // columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
      if (columns.length > 9 && columns[2]!.endsWith(`:${portHex}`) && inodes.has(columns[9]!)) count += 1;
    }
  }
  return count;
}
