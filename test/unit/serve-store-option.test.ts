/** --store and TBOT_COLLECTOR_STORE: the flag wins, the env var keeps a password out of ps, and a bad URL is a usage error. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { ENV_STORE, resolveStore } from '../../src/collector/serve.js';

describe('serve --store', () => {
  it('takes the flag over the env var, and nothing when neither is set', () => {
    const warnings: string[] = [];
    const warn = (message: string): void => void warnings.push(message);
    const env = { [ENV_STORE]: 'postgres://collector:from-env@env.example/events' };
    assert.equal(resolveStore('postgres://collector@flag.example/events', env, warn)?.identity, 'flag.example/events');
    assert.equal(resolveStore(undefined, env, warn)?.identity, 'env.example/events');
    assert.equal(resolveStore(undefined, {}, warn), undefined);
    assert.equal(resolveStore(undefined, { [ENV_STORE]: '' }, warn), undefined);
    assert.deepEqual(warnings, [], 'a password in the env var is the advised way: no warning');
  });

  it('warns when the password is on the command line, without repeating it', () => {
    const warnings: string[] = [];
    resolveStore('postgres://collector:hunter2@db.example:5432/events', {}, (message) => warnings.push(message));
    assert.deepEqual(warnings, ['--store holds a password, which other users of this machine can read in ps; set TBOT_COLLECTOR_STORE instead']);
  });

  it('refuses a URL that is not postgres://, naming where it came from', () => {
    assert.throws(
      () => resolveStore(undefined, { [ENV_STORE]: 'https://collector:hunter2@db.example/events' }, () => undefined),
      (error: unknown) => error instanceof UsageError && error.message === 'TBOT_COLLECTOR_STORE: the scheme is "https"; expected postgres://user@host:5432/database',
    );
    assert.throws(() => resolveStore('postgres:///events', {}, () => undefined), /--store: no host/);
  });
});
