/**
 * The SSH wire encoding (RFC 4251 §5) for ECDSA P-256 keys and signatures (RFC 5656 §3): enough
 * to write public keys and certificates without a library.
 */

export const ECDSA_P256 = 'ecdsa-sha2-nistp256';

export function sshString(data: Uint8Array | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

export function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

export function uint64(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(value);
  return out;
}

/** mpint from big-endian magnitude bytes: no leading zeros, one zero octet if the high bit is set, empty for 0. */
export function mpint(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start += 1;
  const bytes = Buffer.from(magnitude.subarray(start));
  return sshString(bytes.length > 0 && (bytes[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** The public key blob: string "ecdsa-sha2-nistp256", string "nistp256", string Q. */
export function sshPublicKeyBlob(point: Uint8Array): Buffer {
  return Buffer.concat([sshString(ECDSA_P256), sshString('nistp256'), sshString(point)]);
}

/** The signature blob from a raw r‖s (IEEE P1363) ECDSA P-256 signature: r and s as mpints. */
export function sshSignatureBlob(rawSignature: Uint8Array): Buffer {
  if (rawSignature.length !== 64) throw new RangeError(`expected a 64-byte r||s signature, got ${rawSignature.length} bytes`);
  return Buffer.concat([sshString(ECDSA_P256), sshString(Buffer.concat([mpint(rawSignature.subarray(0, 32)), mpint(rawSignature.subarray(32))]))]);
}
