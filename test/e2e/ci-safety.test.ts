/**
 * Safety in CI: a one-shot run that would write nothing fails (unless asked for), `analytics
 * preview` says which helper value was left out and why, and the analytics setting is changed
 * where the agent reads it, in the config file, keeping the file as the user wrote it.
 */
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('CI safety', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-ci-safety-');
  });
  after(() => workspace.remove());
  const tbot = (args: string[], env: Record<string, string> = {}) => runTbot(args, { cwd: workspace.dir, env: cleanEnv(env) });

  describe('a one-shot run with no outputs', () => {
    const EMPTY = 'version: v2\nstorage: {type: directory, path: ./state}\nservices: []\n';
    const FAILS =
      /this one-shot run has no outputs, so it would write nothing; it fails rather than let a CI job pass without credentials\.\n {2}Add an output under `services:`[^\n]*\n {2}or pass --allow-empty/;

    it('fails (exit 1) with what to do, and creates nothing: from --oneshot or from `oneshot: true`', async () => {
      await workspace.write('empty.yaml', EMPTY);
      await workspace.write('empty-oneshot.yaml', `${EMPTY}oneshot: true\n`);
      for (const args of [
        ['start', '--oneshot', '-c', 'empty.yaml'],
        ['start', '-c', 'empty-oneshot.yaml'],
        ['start', '--oneshot'],
      ]) {
        const result = await tbot(args);
        assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, FAILS);
      }
      assert.deepEqual((await readdir(workspace.dir)).sort(), ['empty-oneshot.yaml', 'empty.yaml'], 'no storage, no CA, nothing');
    });

    it('exits 0 after the warning with --allow-empty, and for `start noop`, which names the empty run itself', async () => {
      for (const args of [
        ['start', '--oneshot', '--allow-empty', '-c', 'empty.yaml'],
        ['start', 'noop', '--oneshot'],
      ]) {
        const result = await tbot(args);
        assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /WARN {2}no outputs are configured, so there is nothing to renew/);
        assert.doesNotMatch(result.stderr, FAILS);
      }
    });

    it('a config that declares no outputs still loads (Go accepts it): preview and configure work on it', async () => {
      const preview = await tbot(['analytics', 'preview', '--format', 'json', '-c', 'empty.yaml']);
      assert.equal(preview.code, 0, preview.stderr);
    });
  });

  describe('analytics preview and a helper value it does not send', () => {
    const helperEnv = { _TBOT_TELEMETRY_HELPER: 'gha:MyOrg/my_action', _TBOT_TELEMETRY_HELPER_VERSION: '1.2' };

    it('names the value and the rule it breaks in plain words, and the request carries neither', async () => {
      const result = await tbot(['analytics', 'preview'], helperEnv);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(
        result.stderr.includes(
          'note: _TBOT_TELEMETRY_HELPER="gha:MyOrg/my_action" was not sent: a helper name may only contain lower-case letters, digits and single hyphens, as <ci>:<org>/<action> (such as gha:teleport-actions/auth) or a bare CI name; <ci> is one of gha, gitlab, circleci, bitbucket, azure-devops, jenkins, buildkite, spacelift, terraform-cloud; here it has upper-case letters ("M", "O"); it has characters outside that set ("_")\n',
        ),
        result.stderr,
      );
      assert.match(result.stderr, /note: _TBOT_TELEMETRY_HELPER_VERSION="1\.2" was not sent: a helper version must be a semantic version MAJOR\.MINOR\.PATCH/);
      assert.doesNotMatch(result.stdout, /MyOrg|helper/i);
    });

    it('--format json lists them under not_sent; a valid helper is sent and not listed', async () => {
      const refused = JSON.parse((await tbot(['analytics', 'preview', '--format', 'json'], helperEnv)).stdout);
      assert.deepEqual(
        refused.not_sent.map((item: { env: string; value: string; length: number }) => [item.env, item.value, item.length]),
        [
          ['_TBOT_TELEMETRY_HELPER', 'gha:MyOrg/my_action', 19],
          ['_TBOT_TELEMETRY_HELPER_VERSION', '1.2', 3],
        ],
      );
      assert.equal(refused.body.start.helper, undefined);
      const valid = JSON.parse((await tbot(['analytics', 'preview', '--format', 'json'], { _TBOT_TELEMETRY_HELPER: 'gha:my-org/my-action' })).stdout);
      assert.deepEqual(valid.not_sent, []);
      assert.equal(valid.body.start.helper, 'gha:my-org/my-action');
    });
  });

  describe('analytics enable | disable', () => {
    const ORIGINAL = [
      '# The bot for the deploy job.',
      'version: v2',
      'proxy_server: "example.teleport.sh:443"   # the cluster',
      'services:',
      '    - type: identity     # four-space list, kept',
      "      destination: {type: directory, path: './out'}",
      'anonymous_analytics: false  # decided in review',
      'oneshot: true',
      '',
    ].join('\n');

    it('-c sets the key in place: one value changes, comments, quotes, layout and mode stay; a symlink stays a symlink', async () => {
      const real = await workspace.write('bot.yaml', ORIGINAL);
      await chmod(real, 0o640);
      await symlink('bot.yaml', join(workspace.dir, 'via-link.yaml'));
      const enabled = await tbot(['analytics', 'enable', '-c', 'via-link.yaml']);
      assert.equal(enabled.code, 0, enabled.stderr);
      assert.equal(enabled.stdout, 'via-link.yaml:7: anonymous_analytics: false -> true\n');
      assert.equal(await readFile(real, 'utf8'), ORIGINAL.replace('anonymous_analytics: false  #', 'anonymous_analytics: true  #'));
      assert.equal((await stat(real)).mode & 0o777, 0o640);
      assert.ok((await lstat(join(workspace.dir, 'via-link.yaml'))).isSymbolicLink());
      assert.equal(await readlink(join(workspace.dir, 'via-link.yaml')), 'bot.yaml');

      const status = JSON.parse((await tbot(['analytics', 'status', '--format', 'json', '-c', 'bot.yaml'])).stdout);
      assert.equal(status.enabled, true);
      assert.equal(status.decided_by, 'anonymous_analytics: true');

      const again = await tbot(['analytics', 'enable', '-c', 'bot.yaml']);
      assert.equal(again.stdout, 'unchanged: bot.yaml:7 already says anonymous_analytics: true\n');
      const disabled = await tbot(['analytics', 'disable', '-c', 'bot.yaml']);
      assert.equal(disabled.stdout, 'bot.yaml:7: anonymous_analytics: true -> false\n');
      assert.equal(await readFile(real, 'utf8'), ORIGINAL);
    });

    it('a config without the key gets one line appended; the env var outranking it is said', async () => {
      const path = await workspace.write('silent.yaml', 'version: v2\n# no analytics key yet\nservices: []');
      const result = await tbot(['analytics', 'enable', '-c', 'silent.yaml'], { TELEPORT_ANONYMOUS_TELEMETRY: '0' });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'silent.yaml:4: added anonymous_analytics: true\n');
      assert.equal(await readFile(path, 'utf8'), 'version: v2\n# no analytics key yet\nservices: []\nanonymous_analytics: true\n');
      assert.match(result.stderr, /warning: TELEPORT_ANONYMOUS_TELEMETRY=0 is set here and outranks the config key, so analytics stays off here/);
    });

    it('without -c it changes nothing anywhere ($HOME included) and prints the exact key and env var', async () => {
      const home = join(workspace.dir, 'home');
      await mkdir(home);
      // The module cache goes elsewhere, so that anything in $HOME afterwards would be the setting.
      const result = await tbot(['analytics', 'enable'], { HOME: home, XDG_CACHE_HOME: join(workspace.dir, 'cache') });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        'Nothing was changed. To turn anonymous analytics on:\n' +
          "  set `anonymous_analytics: true` in the agent's config file (`tbot analytics enable -c FILE` edits it in place)\n" +
          "  or set TELEPORT_ANONYMOUS_TELEMETRY=1 in the agent's environment (its systemd unit, CI job or container)\n",
      );
      assert.deepEqual(await readdir(home), []);
      const off = await tbot(['analytics', 'disable'], { DO_NOT_TRACK: '1' });
      assert.match(off.stdout, /set `anonymous_analytics: false`[^\n]*\n {2}or set TELEPORT_ANONYMOUS_TELEMETRY=0/);
    });

    it('a file that is not YAML, or not a mapping, is refused with file:line:col and left alone', async () => {
      const path = await workspace.write('list.yaml', '- just\n- a list\n');
      const result = await tbot(['analytics', 'enable', '-c', 'list.yaml']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /list\.yaml:1:1: \(document\): is not a block mapping of config keys, so the key cannot be set in place/);
      assert.equal(await readFile(path, 'utf8'), '- just\n- a list\n');
      await writeFile(path, 'version: v2\nservices: [\n');
      const broken = await tbot(['analytics', 'enable', '-c', 'list.yaml']);
      assert.equal(broken.code, 1);
      for (const [target, reason] of [
        ['.', /\.: cannot read config: it is a directory, not a regular file/],
        ['missing.yaml', /missing\.yaml: cannot read config: no such file/],
      ] as const) {
        const unreadable = await tbot(['analytics', 'enable', '-c', target]);
        assert.equal(unreadable.code, 1, unreadable.stderr);
        assert.match(unreadable.stderr, reason);
      }
      assert.match(broken.stderr, /list\.yaml:3:1: \(document\): YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a \]\n/);
    });
  });

  it('analytics status says how to change the setting', async () => {
    const off = await tbot(['analytics', 'status']);
    assert.match(
      off.stdout,
      /^To turn it on: set `anonymous_analytics: true` in the agent's config file \(`tbot analytics enable -c FILE` edits it in place\)\n {2}or set TELEPORT_ANONYMOUS_TELEMETRY=1/m,
    );
    const on = await tbot(['analytics', 'status', '--format', 'json'], { TELEPORT_ANONYMOUS_TELEMETRY: '1' });
    const change = JSON.parse(on.stdout).change as string[];
    assert.match(change[0] as string, /anonymous_analytics: false/);
    assert.match(change[2] as string, /TELEPORT_ANONYMOUS_TELEMETRY=1 is set here and outranks the config key/);
  });
});
