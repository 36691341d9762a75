/**
 * The dashboard's cache turns over when anything a page folds changes, including the period its
 * summary strip compares with: a late report for the month before shows at once, not when the
 * cache next turns over for another reason. Spawns the built collector with --dashboard.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCollector, type RunningCollector } from '../helpers/collector-process.js';
import { storeUsageReports } from '../helpers/usage-reports.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const NOVEMBER_ARRIVAL = new Date('2026-11-10T12:00:00Z');
const OCTOBER_ARRIVAL = new Date('2026-10-10T12:00:00Z');
const user = (id: string, start: string, users: string[]) => ({
  kind: 'user' as const,
  id,
  host: 'auth-a',
  start,
  users: users.map((name) => ({ user: name, kind: 1, logins: 1 })),
});

describe('dashboard cache and the compared period', () => {
  let workspace: Workspace;
  let collector: RunningCollector | undefined;
  before(async () => {
    workspace = await makeWorkspace('tbot-dashboard-cache-');
    await storeUsageReports(workspace.dir, 'acme', [user('n1', '2026-11-10T10:00:00Z', ['alice', 'bob', 'carol'])], NOVEMBER_ARRIVAL);
    await storeUsageReports(workspace.dir, 'acme', [user('o1', '2026-10-10T10:00:00Z', ['alice'])], OCTOBER_ARRIVAL);
    collector = await startCollector(workspace.dir, ['--dashboard']);
  });
  after(async () => {
    await collector?.stop();
    await workspace.remove();
  });

  const strip = async (): Promise<string> => {
    const response = await fetch(`${collector!.url}/dashboard/usage?month=2026-11`);
    assert.equal(response.status, 200);
    const html = await response.text();
    const found = /<section class="strip" id="summary-strip"[^>]*>.*?<\/section>/s.exec(html);
    assert.ok(found, 'the usage page has its summary strip');
    return found[0];
  };

  it('shows a late report of the month before at once', async () => {
    const first = await strip();
    assert.match(first, /previous month/);
    assert.equal(await strip(), first, 'unchanged store, unchanged page');
    // Another report for October (the compared month), arriving in October's segment.
    await storeUsageReports(workspace.dir, 'acme', [user('o2', '2026-10-09T10:00:00Z', ['dave', 'erin'])], OCTOBER_ARRIVAL);
    const second = await strip();
    assert.notEqual(second, first, 'the strip compares with the October that now has three users');
  });
});
