/** ES256 JWT signing with the CA key: a compact JWS that node:crypto verifies with nothing but the published JWK. */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { chmod, cp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createJwtSigner } from '../../src/ca/jwt-signer.js';
import { generateP256KeyPair } from '../../src/ca/keys.js';
import { openLocalCa } from '../../src/ca/local-ca.js';
import { makeWorkspace } from '../helpers/workspace.js';
import { directory } from '../helpers/bot-config.js';

const FIXTURE_STORAGE = fileURLToPath(new URL('../fixtures/ca-v0.1.0', import.meta.url));

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe("the CA's JWT signer (ES256)", () => {
  it('signs a JWT-SVID that verifies against its JWK, as raw r‖s', async () => {
    const { privateKey } = await generateP256KeyPair();
    const signer = createJwtSigner(privateKey);
    const header = { alg: 'ES256', kid: signer.kid, typ: 'JWT' };
    const claims = { sub: 'spiffe://example.test/svc/web', aud: ['vault'], exp: 1_900_000_000, iat: 1_800_000_000 };
    const signingInput = `${b64url(header)}.${b64url(claims)}`;
    const signature = signer.sign(Buffer.from(signingInput));
    assert.equal(signature.length, 64, 'JWS ES256 is r‖s, 64 bytes, not DER');

    const published = createPublicKey({ key: signer.jwk, format: 'jwk' });
    assert.ok(verify('sha256', Buffer.from(signingInput), { key: published, dsaEncoding: 'ieee-p1363' }, signature));
    assert.ok(!verify('sha256', Buffer.from(`${signingInput}x`), { key: published, dsaEncoding: 'ieee-p1363' }, signature));
    // The JWK carries the public half only.
    assert.equal((signer.jwk as Record<string, unknown>)['d'], undefined);
    assert.deepEqual({ ...signer.jwk, x: undefined, y: undefined }, { kty: 'EC', crv: 'P-256', x: undefined, y: undefined, kid: signer.kid, alg: 'ES256', use: 'sig' });
  });

  it('kid is the RFC 7638 thumbprint: SHA-256 over {"crv","kty","x","y"} in that order, base64url', async () => {
    const { privateKey } = await generateP256KeyPair();
    const signer = createJwtSigner(privateKey);
    const canonical = `{"crv":"P-256","kty":"EC","x":"${signer.jwk.x}","y":"${signer.jwk.y}"}`;
    assert.equal(signer.kid, createHash('sha256').update(canonical).digest('base64url'));
    assert.equal(createJwtSigner(privateKey).kid, signer.kid, 'stable for one key');
  });

  it('the local CA signs JWTs with its TLS CA key (a copy of the 0.1.0 fixture)', async () => {
    const workspace = await makeWorkspace('tbot-ca-jwt-');
    try {
      // A copy, because git keeps no 0600 modes and the CA refuses key files others can read.
      const caDir = join(workspace.dir, 'ca');
      await cp(join(FIXTURE_STORAGE, 'ca'), caDir, { recursive: true });
      for (const name of await readdir(caDir)) await chmod(join(caDir, name), 0o600);
      const { ca, created } = await openLocalCa(directory(workspace.dir), new Date());
      assert.equal(created, false);
      const expected = createPublicKey(createPrivateKey(await readFile(join(caDir, 'tls-ca.key'), 'utf8'))).export({ format: 'jwk' });
      const signer = ca.jwtSigner();
      assert.deepEqual([signer.jwk.x, signer.jwk.y], [expected.x, expected.y]);
      assert.equal(ca.jwtSigner(), signer, 'made once');
    } finally {
      await workspace.remove();
    }
  });
});
