import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, didYouMean, editDistance } from '../../src/text/did-you-mean.js';

describe('did you mean', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    const cases: [string, string, number][] = [
      ['', '', 0],
      ['abc', 'abc', 0],
      ['abc', '', 3],
      ['kitten', 'sitting', 3],
      ['renewal_intreval', 'renewal_interval', 1],
      ['oneshot', 'onesot', 1],
      ['tset', 'test', 1],
    ];
    for (const [a, b, distance] of cases) {
      assert.equal(editDistance(a, b), distance, `${a} → ${b}`);
      assert.equal(editDistance(b, a), distance, `${b} → ${a}`);
    }
  });

  it('suggests the nearest candidate only when it is a likely typo', () => {
    const keys = ['renewal_interval', 'credential_ttl', 'certificate_ttl', 'oneshot', 'onboarding'];
    assert.equal(closest('renewal_intreval', keys), 'renewal_interval');
    assert.equal(closest('credentail_ttl', keys), 'credential_ttl');
    assert.equal(closest('oneshoot', keys), 'oneshot');
    assert.equal(closest('zzz', keys), undefined);
    assert.equal(closest('database', ['identity', 'kubernetes']), undefined);
  });

  it('ignores case and the -/_ difference, so a flag written like a key still finds its flag', () => {
    assert.equal(closest('--join_method', ['--join-method', '--token']), '--join-method');
    assert.equal(closest('GITHUB', ['github', 'gitlab']), 'github');
  });

  it('on request, finds the one key that holds every word of a shorter one, in order', () => {
    const keys = ['registration_secret', 'registration_secret_path', 'static_private_key_path'];
    assert.equal(closest('static_key_path', keys), undefined);
    assert.equal(closest('static_key_path', keys, { wordsLeftOut: true }), 'static_private_key_path');
    // Two fuller keys, or a single word, are no safe guess.
    assert.equal(closest('secret_path', ['registration_secret_path', 'other_secret_path'], { wordsLeftOut: true }), undefined);
    assert.equal(closest('path', ['registration_secret_path'], { wordsLeftOut: true }), undefined);
    assert.equal(didYouMean('static_key_path', keys, undefined, { wordsLeftOut: true }), 'did you mean "static_private_key_path"?');
  });

  it('never suggests the word itself, and formats the hint', () => {
    assert.equal(closest('token', ['token']), undefined);
    assert.equal(didYouMean('strat', ['start', 'version']), 'did you mean "start"?');
    assert.equal(didYouMean('nothing-like-it', ['start']), '');
  });
});
