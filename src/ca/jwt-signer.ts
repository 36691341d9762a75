/** ES256 (RFC 7518 §3.4) signing with a P-256 key, and its public JWK named by its RFC 7638 thumbprint. */
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { JwtSigner } from './credential-source.js';

export function createJwtSigner(privateKey: KeyObject): JwtSigner {
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (kty !== 'EC' || crv !== 'P-256' || x === undefined || y === undefined) throw new TypeError('ES256 needs an ECDSA P-256 key');
  // The thumbprint hashes the required members only, in lexical order, without spaces.
  const kid = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  return {
    kid,
    jwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' },
    // JWS wants r‖s, not the DER ECDSA-Sig-Value that X.509 uses.
    sign: (signingInput) => sign('sha256', signingInput, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  };
}
