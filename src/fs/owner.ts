/**
 * `--owner user:group` → numeric ids, as tbot's `init` reads it: both parts are required; each is
 * a name looked up in the system's account databases (getent, so LDAP and other NSS sources count)
 * or, beyond what tbot takes, a numeric id.
 */
import { TbotError } from '../errors.js';

export interface Owner {
  uid: number;
  gid: number;
  /** For messages: `user:group` as given, or the ids. */
  label: string;
}

/** The owner cannot be used. */
export class OwnerError extends TbotError {
  readonly exitCode = 1;
  override name = 'OwnerError';
}

/** One account-database entry's `:`-separated fields, or undefined when there is none. */
export type AccountLookup = (database: 'passwd' | 'group', key: string) => Promise<string[] | undefined>;

async function idOf(database: 'passwd' | 'group', name: string, lookup: AccountLookup): Promise<number> {
  if (/^[0-9]+$/.test(name)) return Number(name);
  const fields = await lookup(database, name);
  const id = fields?.[2];
  if (id === undefined || !/^[0-9]+$/.test(id)) throw new OwnerError(`--owner: no ${database === 'passwd' ? 'user' : 'group'} named ${JSON.stringify(name)}`);
  return Number(id);
}

export async function parseOwner(text: string, lookup: AccountLookup): Promise<Owner> {
  const parts = text.split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new OwnerError(`--owner ${JSON.stringify(text)} is not user:group (both are needed, as in tbot)`);
  const [user, group] = parts as [string, string];
  return { uid: await idOf('passwd', user, lookup), gid: await idOf('group', group, lookup), label: text };
}

/** The real lookup: `getent <database> <key>` (exit 2 means no such entry), bounded to 5 s. */
export function getentLookup(): AccountLookup {
  return async (database, key) => {
    const { execFile } = await import('node:child_process');
    return new Promise((resolve, reject) => {
      execFile('getent', [database, key], { timeout: 5_000, maxBuffer: 64 * 1024 }, (error, stdout) => {
        if (error === null) return resolve(stdout.split('\n', 1)[0]?.split(':'));
        if ((error as { code?: unknown }).code === 2) return resolve(undefined);
        reject(new OwnerError(`--owner: cannot look up ${JSON.stringify(key)} with getent: ${error.message}`));
      });
    });
  };
}
