/**
 * A throw-away PostgreSQL cluster for one test file: a copy of an initdb'd cluster in a temp
 * directory, then `postgres` in the foreground on 127.0.0.1 (a port picked here: postgres cannot
 * take port 0), its unix socket in the same directory, trust authentication for loopback and the
 * socket only, fsync on (the store's durability is what the tests check). As root, the cluster runs
 * as `nobody`, since postgres refuses to run as root. One database per test (createDatabase). A
 * missing initdb fails loudly with one line saying how to install it; nothing is skipped.
 *
 * initdb runs once per machine and PostgreSQL version, into a template beside the temp clusters
 * (clusterTemplate): it costs over a second of CPU, about ten times a copy, and nine test files
 * start a cluster.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { findTool, testTool } from '../../scripts/provision-test-tools.mjs';
import { freePort } from './free-port.js';

export interface PgServer {
  /** postgres://postgres@127.0.0.1:<port>/<database> (default: the `postgres` database). */
  url(database?: string): string;
  /** A new, empty database; resolves with its URL. */
  createDatabase(): Promise<string>;
  /**
   * Stops the server (a fast shutdown) and starts it again on the same port. `whileDown`, if given,
   * runs between the two: a test waits there for what an outage should show.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** Stops the server and removes the cluster. */
  stop(): Promise<void>;
  /** The postmaster's process id. */
  pid(): number;
}

const SUPERUSER = 'postgres';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/** The directory of initdb, postgres and friends, from the one place npm test's pretest step provisions it. */
export function postgresBinDir(): string {
  const initdb = findTool(testTool('initdb'));
  // npm test's pretest installs it or stops first; this only fires when a test file is run alone.
  if (initdb === undefined) throw new Error("initdb is missing: run `node scripts/provision-test-tools.mjs` (npm test does; installs Debian's postgresql)");
  // /usr/local/bin/initdb may be a link into /usr/lib/postgresql/<major>/bin: the server is beside the real one.
  return dirname(realpathSync(initdb));
}

/**
 * The user and group a test server runs as (the cluster, HAProxy): `nobody` when we are root,
 * else ourselves (undefined). postgres refuses root; the others need none.
 */
export function unprivilegedOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

class PortTakenError extends Error {}

// --no-sync only for initdb's own files: the running server keeps fsync on.
const INITDB_ARGS = ['-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'];
/** Trust only on the socket and on loopback; initdb's default file is replaced, not amended. */
const HBA = 'local all all trust\nhost all all 127.0.0.1/32 trust\n';

/** A new cluster in `dir`/data: initdb, then our pg_hba.conf. `dir` is removed when it fails. */
async function initCluster(bin: string, dir: string, owner: { uid: number; gid: number } | undefined): Promise<void> {
  const data = join(dir, 'data');
  try {
    execFileSync(join(bin, 'initdb'), ['-D', data, ...INITDB_ARGS], {
      ...(owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }),
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '', LANG: 'C' },
    });
    await writeFile(join(data, 'pg_hba.conf'), HBA);
    if (owner !== undefined) await chown(join(data, 'pg_hba.conf'), owner.uid, owner.gid);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message}`);
  }
}

/**
 * The directory holding an initdb'd cluster (`data`) that is never started, only copied: made once
 * for this PostgreSQL build, these options and this owner (its name says which), then kept. Two
 * files making it at once each initdb into a temp directory; the first rename wins and the other
 * removes its own. A template that is not ours alone (another owner, writable by others) is not
 * used: undefined, and the caller runs initdb itself.
 */
async function clusterTemplate(bin: string, owner: { uid: number; gid: number } | undefined): Promise<string | undefined> {
  const version = execFileSync(join(bin, 'initdb'), ['--version'], { encoding: 'utf8' }).trim();
  const key = createHash('sha256')
    .update(JSON.stringify([bin, version, INITDB_ARGS, HBA, owner ?? null]))
    .digest('hex')
    .slice(0, 16);
  const template = join(tmpdir(), `tbot-pg-template-${key}`);
  const trusted = async (): Promise<boolean | undefined> => {
    const stats = await lstat(template).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
    if (stats === undefined) return undefined;
    return stats.isDirectory() && stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0;
  };
  const found = await trusted();
  if (found !== undefined) return found ? template : undefined;
  // Ours and read-only to others; the cluster's own directory inside belongs to whoever runs postgres.
  const making = await mkdtemp(join(tmpdir(), 'tbot-pg-template-new-'));
  await chmod(making, 0o755);
  if (owner !== undefined) {
    await mkdir(join(making, 'data'), { mode: 0o700 });
    await chown(join(making, 'data'), owner.uid, owner.gid);
  }
  await initCluster(bin, making, owner);
  try {
    await rename(making, template);
  } catch (error) {
    // Another file made it first.
    await rm(making, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await trusted()) === true ? template : undefined;
}

export async function startPostgres(): Promise<PgServer> {
  const bin = postgresBinDir();
  const owner = unprivilegedOwner();
  const template = await clusterTemplate(bin, owner);
  const dir = await mkdtemp(join(tmpdir(), 'tbot-pg-'));
  const data = join(dir, 'data');
  const asOwner = owner === undefined ? {} : { uid: owner.uid, gid: owner.gid };
  if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
  if (template === undefined) await initCluster(bin, dir, owner);
  // cp -a keeps the owner, the modes (postgres wants its data directory 0700) and the links.
  else execFileSync('cp', ['-a', join(template, 'data'), data], { stdio: ['ignore', 'ignore', 'pipe'] });

  let child: ChildProcess | undefined;
  let port = 0;

  const launch = async (onPort: number): Promise<ChildProcess> => {
    const args = ['-D', data, '-c', `port=${onPort}`, '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=on', '-c', 'max_connections=60'];
    const started = spawn(join(bin, 'postgres'), args, { ...asOwner, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '', LANG: 'C' } });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`postgres did not become ready within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
      const onData = (chunk: string): void => {
        log += chunk;
        if (/could not bind IPv4 address|Address already in use/.test(log)) finish(new PortTakenError(log));
        else if (/database system is ready to accept connections/.test(log)) finish();
      };
      const onExit = (code: number | null): void =>
        finish(/Address already in use/.test(log) ? new PortTakenError(log) : new Error(`postgres exited (${code}) before it was ready:\n${log}`));
      function finish(error?: Error): void {
        clearTimeout(timer);
        started.stderr?.off('data', onData);
        started.off('exit', onExit);
        if (error === undefined) {
          // Keep draining its log so a full pipe never blocks the server.
          started.stderr?.resume();
          resolve();
        } else {
          started.kill('SIGKILL');
          reject(error);
        }
      }
      started.stderr?.setEncoding('utf8').on('data', onData);
      started.on('exit', onExit);
    });
    return started;
  };

  const stopServer = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    // SIGINT is postgres's fast shutdown: sessions are cut, everything committed stays.
    running.kill('SIGINT');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  // The probed port can be taken before postgres binds it: try a few.
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort();
    try {
      child = await launch(port);
      break;
    } catch (error) {
      if (attempt >= 5 || !(error instanceof PortTakenError)) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  let databases = 0;
  const url = (database = 'postgres'): string => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  return {
    url,
    pid: () => child?.pid ?? 0,
    createDatabase: async () => {
      databases += 1;
      const name = `test_${databases}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    restart: async (whileDown) => {
      await stopServer();
      await whileDown?.();
      // The same port, so URLs handed out stay good; a stranger may grab it meanwhile, rarely: retry briefly.
      for (let attempt = 1; ; attempt += 1) {
        try {
          child = await launch(port);
          return;
        } catch (error) {
          if (attempt >= 20 || !(error instanceof PortTakenError)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
    stop: async () => {
      await stopServer();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface StoredRows {
  /** Rows in collector_events. */
  rows: number;
  /** The distinct ids (tbot starts) the rows hold. */
  ids: Set<string>;
  /** The stored lines. */
  lines: string[];
}

/** What collector_events holds (nothing before the first migration made it). */
export async function storedRows(url: string): Promise<StoredRows> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ line: string; id: string }>("SELECT line, (line::jsonb)->'event'->>'distinctId' AS id FROM collector_events");
    return { rows: rows.length, ids: new Set(rows.map((row) => row.id)), lines: rows.map((row) => row.line) };
  } catch (error) {
    // Before the first migration there is no table yet: nothing is stored.
    if ((error as { code?: string }).code === '42P01') return { rows: 0, ids: new Set(), lines: [] };
    throw error;
  } finally {
    await client.end();
  }
}
