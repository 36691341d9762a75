/** `tbot init --owner user:group`: both parts needed, names through the account lookup, ids as they are. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OwnerError, parseOwner, type AccountLookup } from '../../src/fs/owner.js';

const lookup: AccountLookup = async (database, key) => {
  const entries: Record<string, string[]> = {
    'passwd:tbot': ['tbot', 'x', '1500', '1500', '', '/var/lib/tbot', '/usr/sbin/nologin'],
    'group:tbot': ['tbot', 'x', '1500', ''],
    'group:odd': ['odd', 'x', 'not-a-number', ''],
  };
  return entries[`${database}:${key}`];
};

describe('parseOwner', () => {
  it('names and ids, in any mix', async () => {
    assert.deepEqual(await parseOwner('tbot:tbot', lookup), { uid: 1500, gid: 1500, label: 'tbot:tbot' });
    assert.deepEqual(await parseOwner('0:tbot', lookup), { uid: 0, gid: 1500, label: '0:tbot' });
    assert.deepEqual(await parseOwner('tbot:65534', lookup), { uid: 1500, gid: 65534, label: 'tbot:65534' });
  });

  it('refuses what tbot refuses, and names the part it cannot find', async () => {
    const cases: [string, RegExp][] = [
      ['tbot', /is not user:group \(both are needed, as in tbot\)/],
      ['tbot:', /is not user:group/],
      [':tbot', /is not user:group/],
      ['a:b:c', /is not user:group/],
      ['nobody-here:tbot', /no user named "nobody-here"/],
      ['tbot:nogroup-here', /no group named "nogroup-here"/],
      ['tbot:odd', /no group named "odd"/],
    ];
    for (const [text, message] of cases) await assert.rejects(parseOwner(text, lookup), (error: unknown) => error instanceof OwnerError && message.test(error.message), text);
  });
});
