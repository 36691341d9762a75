/**
 * SPIFFE outputs: spiffe-svid with SANs and JWT-SVIDs, workload-identity-x509 and -jwt. X.509 SVIDs
 * are judged by openssl; JWT-SVIDs by a real JOSE library (jose) against the published JWKS.
 */
import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { runTbot } from '../helpers/tbot-process.js';
import { certificatePublicKey, privateKeyPublicKey, tool } from '../helpers/tools.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const TTL_SECONDS = 30 * 60;

const CONFIG = `version: v2
proxy_server: proxy.example.test:443
storage: {type: directory, path: ./data}
credential_ttl: 30m
renewal_interval: 10m
oneshot: true
outputs:
  - type: spiffe-svid
    svid:
      path: /svc/web
      hint: for the web tier
      sans:
        dns: [web.example.test, web.internal]
        ip: [10.1.2.3, "fd00::7"]
    jwts:
      - {audience: vault, file_name: vault.jwt}
      - {audience: https://api.example.test, file_name: api-token}
    destination: {type: directory, path: ./out/svid}
  - type: workload-identity-x509
    selector: {name: payments}
    destination: {type: directory, path: ./out/wi-x509}
  - type: workload-identity-jwt
    selector: {name: payments}
    audiences: [billing, ledger]
    destination: {type: directory, path: ./out/wi-jwt}
`;

describe('SPIFFE SVIDs and JWT-SVIDs from the local CA', () => {
  let workspace: Workspace;
  let startedAt: number;
  const out = (...parts: string[]): string => join(workspace.dir, 'out', ...parts);
  const visible = async (dir: string): Promise<string[]> => (await readdir(out(dir))).filter((name) => !name.startsWith('..')).sort();
  const jwks = async (dir: string): Promise<JSONWebKeySet> => JSON.parse(await readFile(out(dir, 'jwks.json'), 'utf8'));

  before(async () => {
    workspace = await makeWorkspace();
    await workspace.write('tbot.yaml', CONFIG);
    startedAt = Math.floor(Date.now() / 1000);
    const run = await runTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
  });
  after(() => workspace.remove());

  it('spiffe-svid: the SVID carries the SPIFFE ID and the DNS and IP SANs; the hint is in no file', async () => {
    assert.deepEqual(await visible('svid'), ['api-token', 'jwks.json', 'svid.pem', 'svid_bundle.pem', 'svid_key.pem', 'tbot-status.json', 'vault.jwt']);
    assert.match(tool('openssl', ['verify', '-CAfile', out('svid', 'svid_bundle.pem'), out('svid', 'svid.pem')]), /: OK/);
    const san = tool('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', out('svid', 'svid.pem')]);
    assert.match(san, /DNS:web\.example\.test, DNS:web\.internal, IP Address:10\.1\.2\.3, IP Address:FD00:0:0:0:0:0:0:7, URI:spiffe:\/\/proxy\.example\.test\/svc\/web/);
    assert.equal(certificatePublicKey({ path: out('svid', 'svid.pem') }), privateKeyPublicKey(out('svid', 'svid_key.pem')));
    for (const name of await visible('svid')) assert.ok(!(await readFile(out('svid', name), 'utf8')).includes('for the web tier'), name);
  });

  it('spiffe-svid: one JWT-SVID per jwts entry, ES256, verified by jose with the published JWKS', async () => {
    const keySet = createLocalJWKSet(await jwks('svid'));
    for (const [file, audience] of [
      ['vault.jwt', 'vault'],
      ['api-token', 'https://api.example.test'],
    ] as const) {
      const token = await readFile(out('svid', file), 'utf8');
      const { payload, protectedHeader } = await jwtVerify(token, keySet, {
        algorithms: ['ES256'],
        audience,
        subject: 'spiffe://proxy.example.test/svc/web',
        issuer: 'https://proxy.example.test',
      });
      assert.equal(protectedHeader.alg, 'ES256');
      assert.equal(protectedHeader.kid, (await jwks('svid')).keys[0]?.kid);
      assert.deepEqual(payload.aud, [audience]);
      assert.ok(Math.abs((payload.iat ?? 0) - startedAt) <= 5, `iat ${payload.iat}`);
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), TTL_SECONDS, 'exp is credential_ttl after iat');
      assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
      // Another audience is refused: the check is real.
      await assert.rejects(jwtVerify(token, keySet, { audience: 'someone-else' }), /aud/);
    }
    const ids = await Promise.all(['vault.jwt', 'api-token'].map(async (file) => decodeProtectedHeader(await readFile(out('svid', file), 'utf8')).kid));
    assert.equal(new Set(ids).size, 1, 'one signing key');
  });

  it("the JWKS holds the CA's public key only, named by its RFC 7638 thumbprint", async () => {
    const set = await jwks('svid');
    assert.equal(set.keys.length, 1);
    const [key] = set.keys;
    assert.deepEqual(Object.keys(key ?? {}).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(key?.kid, await calculateJwkThumbprint(key!));
    // The key is the local CA's TLS key: its public half is the root certificate's.
    const fromJwk = createPublicKey({ key: key as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    assert.equal(fromJwk, certificatePublicKey({ path: join(workspace.dir, 'data', 'ca', 'tls-ca.crt') }));
  });

  it('a token whose signature was tampered with is rejected by jose', async () => {
    const token = await readFile(out('svid', 'vault.jwt'), 'utf8');
    const [header, payload] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'spiffe://proxy.example.test/admin' })).toString('base64url')}.${token.split('.')[2]}`;
    await assert.rejects(jwtVerify(forged, createLocalJWKSet(await jwks('svid'))), /signature verification failed/);
  });

  it('workload-identity-x509: svid.pem, svid_key.pem, svid_bundle.pem for spiffe://<trust domain>/workload-identity/<name>', async () => {
    assert.deepEqual(await visible('wi-x509'), ['svid.pem', 'svid_bundle.pem', 'svid_key.pem', 'tbot-status.json']);
    assert.match(tool('openssl', ['verify', '-CAfile', out('wi-x509', 'svid_bundle.pem'), out('wi-x509', 'svid.pem')]), /: OK/);
    assert.match(
      tool('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', out('wi-x509', 'svid.pem')]),
      /^\s+URI:spiffe:\/\/proxy\.example\.test\/workload-identity\/payments$/m,
    );
    assert.equal(certificatePublicKey({ path: out('wi-x509', 'svid.pem') }), privateKeyPublicKey(out('wi-x509', 'svid_key.pem')));
  });

  it('workload-identity-jwt: jwt_svid with every audience, verified by jose, and jwks.json', async () => {
    assert.deepEqual(await visible('wi-jwt'), ['jwks.json', 'jwt_svid', 'tbot-status.json']);
    const token = await readFile(out('wi-jwt', 'jwt_svid'), 'utf8');
    const keySet = createLocalJWKSet(await jwks('wi-jwt'));
    for (const audience of ['billing', 'ledger']) {
      const { payload } = await jwtVerify(token, keySet, { algorithms: ['ES256'], audience, subject: 'spiffe://proxy.example.test/workload-identity/payments' });
      assert.deepEqual(payload.aud, ['billing', 'ledger']);
    }
  });
});
