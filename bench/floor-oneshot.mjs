// The floor under `tbot start --oneshot -c config/all-kinds.yaml`: only the work no implementation
// can skip, with node:crypto and node:fs alone, for the same files the agent writes. It reads the
// CA from storage, makes one key pair per output that has a key (8), signs one X.509 certificate
// per TLS output (identity, database, kubernetes, kubernetes/v2, application, spiffe-svid,
// workload-identity-x509: 7), one SSH certificate per Teleport identity and the ssh_host one (6),
// two ES256 JWT-SVIDs, and publishes each of the 9 outputs' files (tbot's identity artifacts:
// key, key.pub, key-cert.pub, tlscert, identity, the three teleport-*-ca.crt, tlscacerts, …, and
// tbot-status.json) as an fsynced atomic set (a new generation directory, then one symlink swap).
//
// Assembling DER or SSH wire bytes is concatenation and costs microseconds, so instead of a second
// copy of src/ca the floor signs a TBSCertificate of a leaf's size (the root's own, re-used) and an
// SSH body of a certificate's size. The cost that matters (key generation, ECDSA, PEM/JWK export,
// fsync) is all here.
//
// Usage: node bench/floor-oneshot.mjs <storage dir holding ca/> <output base dir>
import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign } from 'node:crypto';
import { mkdir, open, readFile, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

const [storage, base] = process.argv.slice(2);
if (storage === undefined || base === undefined) {
  console.error('usage: node bench/floor-oneshot.mjs <storage dir> <output base dir>');
  process.exit(2);
}

const caDir = join(storage, 'ca');
const [tlsKeyPem, rootPem, sshUserPem, sshHostPem] = await Promise.all(
  ['tls-ca.key', 'tls-ca.crt', 'ssh-user-ca.key', 'ssh-host-ca.key'].map((name) => readFile(join(caDir, name), 'utf8')),
);
const tlsKey = createPrivateKey(tlsKeyPem);
const root = new X509Certificate(rootPem);
if (!root.checkPrivateKey(tlsKey)) throw new Error('tls-ca.key does not match tls-ca.crt');
const sshCa = { user: createPrivateKey(sshUserPem), host: createPrivateKey(sshHostPem) };

const newKeyPair = () =>
  new Promise((resolve, reject) => generateKeyPair('ec', { namedCurve: 'P-256' }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey }))));
const pem = (label, der) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)
    .join('\n')}\n-----END ${label}-----\n`;
// The root's TBSCertificate: the same size as a leaf's, give or take a SAN. Both the certificate
// and its TBS are 256–65535 bytes long, so both headers are 30 82 <length: 2 bytes>.
if (root.raw[1] !== 0x82 || root.raw[5] !== 0x82) throw new Error('unexpected root certificate size');
const tbsTemplate = root.raw.subarray(4, 8 + root.raw.readUInt16BE(6));

function x509(publicKey) {
  const tbs = Buffer.concat([tbsTemplate, publicKey.export({ type: 'spki', format: 'der' }), randomBytes(16)]);
  return pem('CERTIFICATE', Buffer.concat([tbs, sign('sha256', tbs, { key: tlsKey, dsaEncoding: 'der' })]));
}

function sshPoint(key) {
  const { x, y } = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(x, 'base64url'), Buffer.from(y, 'base64url')]);
}

function sshCertificate(publicKey, caKey) {
  const body = Buffer.concat([randomBytes(32), sshPoint(publicKey), randomBytes(200), sshPoint(createPublicKey(caKey))]);
  return `ecdsa-sha2-nistp256-cert-v01@openssh.com ${Buffer.concat([body, sign('sha256', body, { key: caKey, dsaEncoding: 'ieee-p1363' })]).toString('base64')}\n`;
}

async function writeDurably(path, data) {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(path) {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function publish(dir, files) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const previous = await readlink(join(dir, '..data')).catch(() => undefined);
  const generation = `..${Date.now()}_${randomBytes(4).toString('hex')}`;
  await mkdir(join(dir, generation), { mode: 0o700 });
  await Promise.all(Object.entries(files).map(([name, data]) => writeDurably(join(dir, generation, name), data)));
  await fsyncDir(join(dir, generation));
  await symlink(generation, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  await fsyncDir(dir);
  const visible = new Set(await readdir(dir));
  await Promise.all(
    Object.keys(files)
      .filter((name) => !visible.has(name))
      .map((name) => symlink(`..data/${name}`, join(dir, name))),
  );
  if (previous !== undefined) await rm(join(dir, previous), { recursive: true, force: true });
}

const now = new Date();
const status = (kind) =>
  `${JSON.stringify({ kind, renewed_at: now.toISOString(), expires_at: new Date(now.getTime() + 3_600_000).toISOString(), renewals: { count: 1, recent: [now.toISOString()] } }, null, 2)}\n`;
const keyPem = (pair) => pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
const sshPublic = (key, comment) => `ecdsa-sha2-nistp256 ${sshPoint(key).toString('base64')} ${comment}\n`;
const userCa = sshPublic(createPublicKey(sshCa.user), 'tbot-local-user-ca');
const hostCa = sshPublic(createPublicKey(sshCa.host), 'tbot-local-host-ca');
const caFiles = (kinds = ['host', 'user', 'database']) => Object.fromEntries(kinds.map((kind) => [`teleport-${kind}-ca.crt`, rootPem]));

/** A Teleport identity: one key pair, certified as X.509 and as an SSH user certificate, and the identity file. */
function identity(pair) {
  const key = keyPem(pair);
  const tlscert = x509(pair.publicKey);
  const sshCert = sshCertificate(pair.publicKey, sshCa.user);
  return { key, tlscert, sshCert, identityFile: `${key}${sshCert}${tlscert}@cert-authority tbot.local,*.tbot.local ${hostCa}${rootPem}` };
}
function artifacts(pair) {
  const id = identity(pair);
  return {
    key: id.key,
    'key.pub': sshPublic(pair.publicKey, 'tbot-identity'),
    'key-cert.pub': id.sshCert,
    tlscert: id.tlscert,
    tlscacerts: rootPem,
    identity: id.identityFile,
    ...caFiles(),
  };
}
const kubeconfig = (id) =>
  `${JSON.stringify({ apiVersion: 'v1', kind: 'Config', users: [{ name: 'tbot', user: { 'client-certificate-data': Buffer.from(id.tlscert).toString('base64'), 'client-key-data': Buffer.from(id.key).toString('base64') } }] })}\n`;

// The JWT signer: the CA's TLS key, its JWK and RFC 7638 thumbprint.
const { x, y } = createPublicKey(tlsKey).export({ format: 'jwk' });
const kid = createHash('sha256')
  .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
  .digest('base64url');
const jwks = `${JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' }] }, null, 2)}\n`;
const segment = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
function jwt(sub, aud) {
  const input = `${segment({ alg: 'ES256', kid, typ: 'JWT' })}.${segment({ iss: 'https://tbot.local', sub, aud, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 3600, jti: randomBytes(16).toString('hex') })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: tlsKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
const svid = (pair) => ({ 'svid.pem': x509(pair.publicKey), 'svid_key.pem': keyPem(pair), 'svid_bundle.pem': rootPem });

const [idPair, db, kube, kubeV2, app, host, svidPair, wiPair] = await Promise.all(Array.from({ length: 8 }, newKeyPair));
const kubeV2Identity = identity(kubeV2);
const kubeFiles = artifacts(kube);
await Promise.all([
  publish(join(base, 'identity'), {
    ...artifacts(idPair),
    sshcacerts: `cert-authority ${userCa}`,
    known_hosts: `@cert-authority * ${hostCa}`,
    ssh_config: `Host *\n    IdentityFile ${join(base, 'identity', 'key')}\n`,
    'tbot-status.json': status('identity'),
  }),
  publish(join(base, 'db'), { ...artifacts(db), 'tbot-status.json': status('database') }),
  publish(join(base, 'kube'), { ...kubeFiles, 'kubeconfig.yaml': kubeconfig({ key: kubeFiles.key, tlscert: kubeFiles.tlscert }), 'tbot-status.json': status('kubernetes') }),
  publish(join(base, 'kube-v2'), {
    'kubeconfig.yaml': kubeconfig(kubeV2Identity),
    identity: kubeV2Identity.identityFile,
    ...caFiles(['host']),
    'tbot-status.json': status('kubernetes/v2'),
  }),
  publish(join(base, 'app'), { ...artifacts(app), 'tbot-status.json': status('application') }),
  publish(join(base, 'ssh-host'), {
    ssh_host: keyPem(host),
    'ssh_host.pub': sshPublic(host.publicKey, 'tbot-ssh-host'),
    'ssh_host-cert.pub': sshCertificate(host.publicKey, sshCa.host),
    'ssh_host-user-ca.pub': userCa,
    'tbot-status.json': status('ssh_host'),
  }),
  publish(join(base, 'svid'), { ...svid(svidPair), 'vault.jwt': jwt('spiffe://tbot.local/svc/web', ['vault']), 'jwks.json': jwks, 'tbot-status.json': status('spiffe-svid') }),
  publish(join(base, 'wi-x509'), { ...svid(wiPair), 'tbot-status.json': status('workload-identity-x509') }),
  publish(join(base, 'wi-jwt'), { jwt_svid: jwt('spiffe://tbot.local/workload-identity/web', ['vault']), 'jwks.json': jwks, 'tbot-status.json': status('workload-identity-jwt') }),
]);
