/**
 * The auth-usage example's truth, by the documented rules of the billing report
 * (docs/usage-report.md), on hand-made histories; and its history generator, which must give one
 * history per seed for runs in parts to add up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SimEvent, simulate } from '../../examples/auth-usage/simulate.js';
import { truth } from '../../examples/auth-usage/truth.js';

const at = (time: string): number => Date.parse(time);
const WINDOW = { since: '2026-11-01T00:00:00.000Z', until: '2027-01-01T00:00:00.000Z' };
const rowsOf = (events: SimEvent[]) => truth(events, 'acme', WINDOW, new Map()).rows;

describe('the simulator’s truth', () => {
  it('a user seen by two auth servers in one window is one user; their logins add up', () => {
    const [row] = rowsOf([
      { at: at('2026-11-30T09:01:00Z'), server: 0, event: { type: 'user.login', user: 'alice' } },
      { at: at('2026-11-30T09:02:00Z'), server: 1, event: { type: 'user.login', user: 'alice' } },
    ]);
    assert.equal(row!.mau, 1);
    assert.equal(row!.counters.logins, 2);
  });

  it('a window is its start’s month: 23:59 on the 30th is November, 00:00 on the 1st December', () => {
    const rows = rowsOf([
      { at: at('2026-11-30T23:59:59Z'), server: 0, event: { type: 'user.login', user: 'alice' } },
      { at: at('2026-12-01T00:00:00Z'), server: 0, event: { type: 'user.login', user: 'bob' } },
    ]);
    assert.deepEqual(
      rows.map((row) => [row.month, row.mau]),
      [
        ['2026-11', 1],
        ['2026-12', 1],
      ],
    );
  });

  it('kinds: certificates alone leave a user unspecified, a login makes them human, a bot stays a bot', () => {
    const [row] = rowsOf([
      { at: at('2026-11-30T09:00:00Z'), server: 0, event: { type: 'certificate.issued', user: 'carol', isBot: false } },
      { at: at('2026-11-30T09:00:00Z'), server: 0, event: { type: 'certificate.issued', user: 'dave', isBot: false } },
      { at: at('2026-11-30T10:00:00Z'), server: 1, event: { type: 'user.login', user: 'dave' } },
      { at: at('2026-11-30T10:00:00Z'), server: 1, event: { type: 'bot.join', botName: 'ci', botInstanceId: 'i-1' } },
    ]);
    assert.deepEqual([row!.mau_unspecified, row!.mau_human, row!.mau_bot, row!.bot_instances, row!.counters.bot_joins], [1, 1, 1, 1, 1]);
  });

  it('resources: distinct in the month, and the first hour with the most', () => {
    const beat = (time: string, name: string): SimEvent => ({ at: at(time), server: 0, event: { type: 'resource.heartbeat', kind: 'RESOURCE_KIND_NODE', name } });
    const [row] = rowsOf([
      beat('2026-11-30T09:10:00Z', 'a'),
      beat('2026-11-30T09:50:00Z', 'b'),
      beat('2026-11-30T10:10:00Z', 'a'),
      beat('2026-11-30T11:10:00Z', 'c'),
      beat('2026-11-30T11:20:00Z', 'a'),
    ]);
    assert.deepEqual(row!.resources, { node: { distinct: 3, peak_hour_count: 2, peak_hour: '2026-11-30T09' } });
  });
});

describe('the simulated history', () => {
  const plan = { seed: 7, humans: 5, bots: 2, resources: 4, days: 1, start: at('2026-11-30T12:00:00Z'), authServers: 2 };
  it('one seed is one history; another seed another', () => {
    const first = simulate(plan);
    assert.ok(first.length > 100);
    assert.deepEqual(simulate(plan), first);
    assert.notDeepEqual(simulate({ ...plan, seed: 8 }), first);
  });
  it('in time order, within the days asked for, on the auth servers asked for', () => {
    const events = simulate(plan);
    for (let index = 1; index < events.length; index += 1) assert.ok(events[index - 1]!.at <= events[index]!.at);
    assert.ok(events.every((event) => event.at >= plan.start && event.at < plan.start + 86_400_000));
    assert.deepEqual(new Set(events.map((event) => event.server)), new Set([0, 1]));
  });
});
