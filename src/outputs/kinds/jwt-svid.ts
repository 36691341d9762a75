/**
 * JWT-SVIDs (SPIFFE's JWT form of a workload identity): compact JWS, ES256, signed by the CA's
 * JWT signer, and the JWK Set a verifier needs to check them.
 */
import type { JwtSigner } from '../../ca/credential-source.js';

/** The JWK Set file every output that writes JWT-SVIDs publishes beside them. */
export const JWKS_FILE = 'jwks.json';

export interface JwtSvidClaims {
  spiffeId: string;
  audiences: readonly string[];
  issuer: string;
  issuedAt: Date;
  expiresAt: Date;
  /** Unique per token. */
  jwtId: string;
}

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

export function signJwtSvid(signer: JwtSigner, claims: JwtSvidClaims): string {
  const header = { alg: 'ES256', kid: signer.kid, typ: 'JWT' };
  const payload = {
    iss: claims.issuer,
    sub: claims.spiffeId,
    aud: claims.audiences,
    iat: seconds(claims.issuedAt),
    exp: seconds(claims.expiresAt),
    jti: claims.jwtId,
  };
  const signingInput = `${segment(header)}.${segment(payload)}`;
  return `${signingInput}.${signer.sign(Buffer.from(signingInput)).toString('base64url')}`;
}

export function jwksDocument(signer: JwtSigner): string {
  return `${JSON.stringify({ keys: [signer.jwk] }, null, 2)}\n`;
}
