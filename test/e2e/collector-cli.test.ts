/** tbot-collector's command line: did-you-mean, usage errors that point to the right help, the activity line, --log-format json. */
import assert from 'node:assert/strict';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, runCollector, startCollector, submit, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('tbot-collector command line', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-collector-cli-');
  });
  after(async () => {
    await workspace.remove();
  });

  const misspelt: { args: string[]; message: string; help: string }[] = [
    { args: ['reprot'], message: 'unknown command "reprot"; did you mean "report"?', help: 'tbot-collector' },
    { args: ['report', 'conect'], message: 'unknown command "conect"; did you mean "connect"?', help: 'tbot-collector report' },
    { args: ['report', 'connect', '--formt', 'json'], message: 'unknown flag --formt; did you mean --format?', help: 'tbot-collector report connect' },
    { args: ['report', '--formt=json'], message: 'unknown flag --formt; did you mean --format?', help: 'tbot-collector report' },
    { args: ['tenant', 'revoke', 'acme', '--data-dri', 'x'], message: 'unknown flag --data-dri; did you mean --data-dir?', help: 'tbot-collector tenant revoke' },
    { args: ['tenant', 'ad', 'acme'], message: 'unknown command "ad"; did you mean "add"?', help: 'tbot-collector tenant' },
    { args: ['serve', '--listn', '127.0.0.1:0'], message: 'unknown flag --listn; did you mean --listen?', help: 'tbot-collector serve' },
    { args: ['serve', '--log-formt', 'json'], message: 'unknown flag --log-formt; did you mean --log-format?', help: 'tbot-collector serve' },
  ];
  for (const { args, message, help } of misspelt) {
    it(`\`tbot-collector ${args.join(' ')}\` suggests the nearest spelling and exits 2, running nothing`, async () => {
      const run = await runCollector(args, {}, 20_000);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr, `tbot-collector: ${message}\nRun "${help} --help" for usage.\n`);
      assert.equal(run.stdout, '');
    });
  }

  const pointed: { args: string[]; help: string }[] = [
    { args: ['report', '--since', 'yesterday'], help: 'tbot-collector report' },
    { args: ['report', 'discover', '--format', 'xml'], help: 'tbot-collector report discover' },
    { args: ['tenant'], help: 'tbot-collector tenant' },
    { args: ['tenant', 'add', 'acme'], help: 'tbot-collector tenant add' },
    { args: ['serve', '--tls-san', 'example.com'], help: 'tbot-collector serve' },
    { args: ['serve', '--log-format', 'xml'], help: 'tbot-collector serve' },
    { args: [], help: 'tbot-collector' },
  ];
  for (const { args, help } of pointed) {
    it(`a usage error of \`tbot-collector ${args.join(' ')}\` points to "${help} --help"`, async () => {
      const run = await runCollector(args, {}, 20_000);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^tbot-collector: [^\n]+\n/);
      assert.ok(run.stderr.endsWith(`\nRun "${help} --help" for usage.\n`), run.stderr);
    });
  }

  it('every command a usage error points to has a help of its own', async () => {
    // The pointed-to command line must itself be valid: its --help exits 0 with usage on stdout.
    for (const help of ['report', 'report connect', 'tenant', 'tenant revoke', 'serve']) {
      const run = await runCollector([...help.split(' '), '--help'], {}, 20_000);
      assert.equal(run.code, 0, `${help}: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^tbot-collector ${help}`), help);
    }
  });

  it('an activity interval outside its bounds is a usage error', async () => {
    const run = await runCollector(['serve', '--listen', '127.0.0.1:0', '--data-dir', join(workspace.dir, 'refused')], { TBOT_COLLECTOR_SUMMARY_INTERVAL_MS: '5' }, 20_000);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^tbot-collector: TBOT_COLLECTOR_SUMMARY_INTERVAL_MS "5": expected a whole number of ms from 100 to 3600000\n/);
  });

  it('--log-format json: a data directory serve refuses is said in one JSON line, exit 1', async () => {
    const shared = join(workspace.dir, 'shared');
    await mkdir(shared, { mode: 0o777 });
    await chmod(shared, 0o777);
    const run = await runCollector(['serve', '--listen', '127.0.0.1:0', '--data-dir', shared, '--log-format', 'json'], {}, 20_000);
    assert.equal(run.code, 1, run.stderr);
    const lines = linesOf(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.equal(lines[0]?.level, 'error');
    assert.match(String(lines[0]?.message), /^data directory .*: is writable by its group and others \(mode 0777\)/);
  });

  describe('serve', () => {
    let collector: RunningCollector | undefined;
    after(async () => {
      await collector?.stop();
    });

    it('--log-format json: every stderr line is one JSON object, the start lines and the activity line included', async () => {
      collector = await startCollector(join(workspace.dir, 'json'), ['--log-format', 'json'], { TBOT_COLLECTOR_SUMMARY_INTERVAL_MS: '200' });
      for (let index = 0; index < 3; index++) assert.equal(await submit(collector.url, tbotEvent()), 200);
      assert.equal(await submit(collector.url, { distinctId: 'not-an-event' }), 400);
      const running = collector;
      // Under load the four requests may straddle two intervals: the lines add up to them.
      const activity = (): LogLine[] => linesOf(running.stderr()).filter((line) => line.message === 'activity in the last 200ms');
      const total = (field: string): number => activity().reduce((sum, line) => sum + Number(line[field] ?? 0), 0);
      await eventually(async () => [total('requests'), total('accepted'), total('rejected')], [4, 3, 1]);
      const lines = linesOf(collector.stderr());
      for (const line of lines) {
        assert.equal(typeof line.timestamp, 'string');
        assert.equal(typeof line.level, 'string');
        assert.equal(typeof line.message, 'string');
        assert.equal(line['component'], 'tbot-collector');
      }
      assert.equal(lines[0]?.message, 'collector listening');
      assert.equal(lines[1]?.message, 'logging a summary of activity every 200ms while events arrive');
      assert.equal(lines[1]?.['interval'], '200ms');
      // The rejection is counted under its reason, and the reasons add up to the rejected count.
      const byReason = activity().flatMap((line) => Object.entries(line).filter(([key]) => key.startsWith('rejected_')));
      assert.equal(byReason.length, 1, JSON.stringify(activity()));
      assert.equal(byReason[0]?.[1], 1);
      // No forwarder: nothing is said about forwarding.
      assert.ok(activity().every((line) => line['backlog'] === undefined && line['forwarded'] === undefined));
      assert.equal(await collector.stop(), 0);
      // The stop line is a JSON line too.
      assert.equal(linesOf(collector.stderr()).at(-1)?.message, 'stopping');
      collector = undefined;
    });

    it('text: the start line says a summary will be logged, and the summary is one line of fields', async () => {
      collector = await startCollector(join(workspace.dir, 'text'), [], { TBOT_COLLECTOR_SUMMARY_INTERVAL_MS: '200' });
      assert.equal(await submit(collector.url, tbotEvent()), 200);
      const running = collector;
      const activity = (): string[] =>
        running
          .stderr()
          .split('\n')
          .filter((line) => / INFO {2}activity in the last 200ms /.test(line));
      // The request may be counted in one interval and its event stored in the next: the lines add up.
      const total = (field: string): number => activity().reduce((sum, line) => sum + Number(new RegExp(` ${field}=(\\d+)`).exec(line)?.[1] ?? 0), 0);
      await eventually(async () => [total('requests'), total('accepted')], [1, 1]);
      assert.match(collector.stderr(), /^\S+ INFO {2}logging a summary of activity every 200ms while events arrive interval=200ms$/m);
      for (const line of activity()) assert.match(line, /^\S+ INFO {2}activity in the last 200ms requests=\d+ accepted=\d+ rejected=0$/);
      await collector.stop();
      collector = undefined;
    });
  });
});

type LogLine = { timestamp?: unknown; level?: unknown; message?: unknown } & Record<string, unknown>;

/** Each stderr line parsed as JSON; a line that is not JSON fails the test with the line in view. */
function linesOf(stderr: string): LogLine[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
}
