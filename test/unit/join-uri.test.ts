/**
 * Join URIs: every case of Teleport's own parser test (GO_CASES, source in
 * test/fixtures/teleport-joinuri/MANIFEST.json), then the parts of Go's net/url behaviour the
 * parser reproduces, and the merge into a config (conflicts as tbot reports them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JoinUriError, mergeJoinUri, parseJoinUri, type JoinUri } from '../../src/config/join-uri.js';

type Case = { uri: string; expect: JoinUri } | { uri: string; error: string };

/** lib/tbot/config/joinuri/uri_test.go @ fef5b3594ca317c9d4d58fda42679d6fc99cbfc7, TestParseJoinURI. */
const GO_CASES: Case[] = [
  {
    uri: 'tbot+proxy+token://asdf@example.com:1234',
    expect: { addressKind: 'proxy', token: 'asdf', joinMethod: 'token', address: 'example.com:1234', parameter: '' },
  },
  {
    uri: 'tbot+auth+bound-keypair://token:param@example.com',
    expect: { addressKind: 'auth', token: 'token', joinMethod: 'bound_keypair', address: 'example.com', parameter: 'param' },
  },
  { uri: '', error: 'unsupported joining URI scheme' },
  { uri: 'tbot+foo+token://example.com', error: 'address kind must be one of' },
  { uri: 'tbot+proxy+bar://example.com', error: 'unsupported join method' },
  { uri: 'https://example.com', error: 'unsupported joining URI scheme' },
];

/** What Go's url.Parse and joinuri.Parse make of these, worked out from their source. */
const MORE_CASES: Case[] = [
  { uri: 'tbot+proxy+token://example.com:443', error: 'must contain join token in user field' },
  { uri: 'TBOT+Proxy+GitHub://t@example.com:443', expect: { addressKind: 'proxy', token: 't', joinMethod: 'github', address: 'example.com:443', parameter: '' } },
  { uri: 'tbot+proxy+azure-devops://t@h:1', expect: { addressKind: 'proxy', token: 't', joinMethod: 'azure_devops', address: 'h:1', parameter: '' } },
  { uri: 'tbot+proxy+terraformcloud://t:tag@h:1', expect: { addressKind: 'proxy', token: 't', joinMethod: 'terraform_cloud', address: 'h:1', parameter: 'tag' } },
  { uri: 'tbot+proxy+generic-oidc://t@h:1', expect: { addressKind: 'proxy', token: 't', joinMethod: 'generic_oidc', address: 'h:1', parameter: '' } },
  { uri: 'tbot+proxy+boundkeypair://t@h:1', expect: { addressKind: 'proxy', token: 't', joinMethod: 'bound_keypair', address: 'h:1', parameter: '' } },
  // An underscore cannot be in a URL scheme, so Go reads no scheme and refuses the colon in the path.
  { uri: 'tbot+proxy+bound_keypair://t@h:1', error: 'first path segment in URL cannot contain colon' },
  { uri: 'tbot+proxy+token+x://t@h:1', error: 'unsupported join method "token+x"' },
  { uri: 'tbot+proxy://t@h:1', error: 'unsupported joining URI scheme: "tbot+proxy"' },
  { uri: 'teleport+proxy+token://t@h:1', error: 'scheme prefix must be "tbot"' },
  { uri: 'tbot+proxy+ec2://t@h:1', error: 'unsupported join method "ec2"' },
  { uri: 'tbot+proxy+token://a%40b%3Ac:p%2F@h:1', expect: { addressKind: 'proxy', token: 'a@b:c', joinMethod: 'token', address: 'h:1', parameter: 'p/' } },
  { uri: 'tbot+proxy+token://a@b@h:1/path?q=1#f', expect: { addressKind: 'proxy', token: 'a@b', joinMethod: 'token', address: 'h:1', parameter: '' } },
  { uri: 'tbot+auth+token://t@[::1]:3025', expect: { addressKind: 'auth', token: 't', joinMethod: 'token', address: '[::1]:3025', parameter: '' } },
  { uri: 'tbot+proxy+token://@h:1', expect: { addressKind: 'proxy', token: '', joinMethod: 'token', address: 'h:1', parameter: '' } },
  { uri: 'tbot+proxy+token://t@h:44x', error: 'invalid port ":44x" after host' },
  { uri: 'tbot+proxy+token://t%zz@h:1', error: 'invalid URL escape' },
  { uri: 'tbot+proxy+token://t t@h:1', error: 'invalid userinfo' },
  { uri: 'tbot+proxy+token://t@h:1\n', error: 'invalid control character in URL' },
  { uri: '://t@h:1', error: 'missing protocol scheme' },
  { uri: 'tbot+proxy+token:t@h', error: 'must contain join token in user field' },
];

function check(cases: readonly Case[]): void {
  for (const item of cases) {
    it(JSON.stringify(item.uri), () => {
      if ('expect' in item) {
        assert.deepEqual(parseJoinUri(item.uri), item.expect);
        return;
      }
      assert.throws(
        () => parseJoinUri(item.uri),
        (error: unknown) => error instanceof JoinUriError && error.message.includes(item.error),
      );
    });
  }
}

describe('join URI parser: the cases of Teleport’s own test', () => check(GO_CASES));
describe('join URI parser: Go’s URL rules', () => check(MORE_CASES));

describe('join URI parser: messages never repeat the token', () => {
  it('a refused URI names the problem, not the user info', () => {
    for (const uri of ['tbot+proxy+bar://s3cr3t@h:1', 'tbot+proxy+token://s3cr3t@h:9x', 'tbot+nope+token://s3cr3t@h']) {
      assert.throws(
        () => parseJoinUri(uri),
        (error: unknown) => error instanceof JoinUriError && !error.message.includes('s3cr3t'),
      );
    }
  });
});

describe('join URI merged into a config, as tbot applies it', () => {
  const uri = (text: string): JoinUri => parseJoinUri(text);

  it('fills the address, join method, token and the method’s parameter', () => {
    const raw: Record<string, unknown> = { version: 'v2' };
    const merged = mergeJoinUri(raw, uri('tbot+proxy+bound-keypair://tok:secret@example.teleport.sh:443'));
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(raw, {
      version: 'v2',
      proxy_server: 'example.teleport.sh:443',
      onboarding: { join_method: 'bound_keypair', token: 'tok', bound_keypair: { registration_secret: 'secret' } },
    });
    assert.deepEqual(merged.filled, [['proxy_server'], ['onboarding', 'join_method'], ['onboarding', 'token'], ['onboarding', 'bound_keypair', 'registration_secret']]);
  });

  it('an auth URI fills auth_server; the parameter goes where the join method reads it', () => {
    for (const [method, block, key] of [
      ['azure', 'azure', 'client_id'],
      ['terraform-cloud', 'terraform', 'audience_tag'],
      ['gitlab', 'gitlab', 'token_env_var_name'],
    ] as const) {
      const raw: Record<string, unknown> = {};
      mergeJoinUri(raw, uri(`tbot+auth+${method}://t:value@auth.example.com:3025`));
      assert.equal(raw['auth_server'], 'auth.example.com:3025');
      assert.deepEqual((raw['onboarding'] as Record<string, Record<string, unknown>>)[block], { [key]: 'value' });
    }
  });

  it('a parameter for a join method that takes none is ignored with a warning', () => {
    const raw: Record<string, unknown> = {};
    const merged = mergeJoinUri(raw, uri('tbot+proxy+github://t:extra@h:1'));
    assert.deepEqual(merged.warnings, ["the join URI's parameter is ignored: the github join method takes none"]);
    assert.deepEqual(raw['onboarding'], { join_method: 'github', token: 't' });
  });

  it('every field the config already sets is a conflict; the same join method is not', () => {
    const raw: Record<string, unknown> = {
      proxy_server: 'other:443',
      onboarding: { join_method: 'token', token: 'mine', bound_keypair: { registration_secret: 'other' } },
    };
    const merged = mergeJoinUri(raw, uri('tbot+proxy+bound-keypair://t:s@h:1'));
    assert.deepEqual(merged.conflicts, [
      'the join URI sets the address, and proxy_server is also set',
      'the join URI\'s join method "bound_keypair" conflicts with onboarding.join_method',
      'the join URI holds a token, and onboarding.token is also set',
      "the join URI's parameter conflicts with onboarding.bound_keypair.registration_secret",
    ]);
    const same: Record<string, unknown> = { onboarding: { join_method: 'bound_keypair', bound_keypair: { registration_secret: 's' } } };
    assert.deepEqual(mergeJoinUri(same, uri('tbot+auth+bound-keypair://t:s@h:1')).conflicts, []);
    assert.deepEqual(mergeJoinUri({ auth_server: 'a:1' }, uri('tbot+proxy+token://t@h:1')).conflicts, ['the join URI sets the address, and auth_server is also set']);
  });
});
