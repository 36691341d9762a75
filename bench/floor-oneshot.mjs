// The floor under `tbot start --oneshot -c config/all-kinds.yaml`: only the work no implementation
// can skip, with node:crypto and node:fs alone. It reads the CA from storage, makes one key pair per
// output, signs one X.509 certificate per TLS output (identity, database, kubernetes, application,
// spiffe-svid) and the two SSH certificates (identity user, ssh_host host), and publishes each
// output's files as an fsynced atomic set (a new generation directory, then one symlink swap).
//
// Assembling DER or SSH wire bytes is concatenation and costs microseconds, so instead of a second
// copy of src/ca the floor signs a TBSCertificate of a leaf's size (the root's own, re-used) and an
// SSH body of a certificate's size. The cost that matters (key generation, ECDSA, PEM/JWK export,
// fsync) is all here.
//
// Usage: node bench/floor-oneshot.mjs <storage dir holding ca/> <output base dir>
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign } from 'node:crypto';
import { mkdir, open, readFile, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

const [storage, base] = process.argv.slice(2);
if (storage === undefined || base === undefined) {
  console.error('usage: node bench/floor-oneshot.mjs <storage dir> <output base dir>');
  process.exit(2);
}

const caDir = join(storage, 'ca');
const [tlsKeyPem, rootPem, sshUserPem, sshHostPem] = await Promise.all(['tls-ca.key', 'tls-ca.crt', 'ssh-user-ca.key', 'ssh-host-ca.key'].map((name) => readFile(join(caDir, name), 'utf8')));
const tlsKey = createPrivateKey(tlsKeyPem);
const root = new X509Certificate(rootPem);
if (!root.checkPrivateKey(tlsKey)) throw new Error('tls-ca.key does not match tls-ca.crt');
const sshCa = { user: createPrivateKey(sshUserPem), host: createPrivateKey(sshHostPem) };

const newKeyPair = () => new Promise((resolve, reject) => generateKeyPair('ec', { namedCurve: 'P-256' }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey }))));
const pem = (label, der) => `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END ${label}-----\n`;
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
  await Promise.all(Object.keys(files).filter((name) => !visible.has(name)).map((name) => symlink(`..data/${name}`, join(dir, name))));
  if (previous !== undefined) await rm(join(dir, previous), { recursive: true, force: true });
}

const now = new Date();
const status = (kind) => JSON.stringify({ kind, renewed_at: now.toISOString(), expires_at: new Date(now.getTime() + 3_600_000).toISOString() }, null, 2);
const keyPem = (pair) => pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
const sshPublic = (key, comment) => `ecdsa-sha2-nistp256 ${sshPoint(key).toString('base64')} ${comment}\n`;
const tls = (pair) => ({ tlscert: x509(pair.publicKey), key: keyPem(pair), tlscacerts: rootPem });

const [identity, db, kube, app, host, svid] = await Promise.all(Array.from({ length: 6 }, newKeyPair));
const userCa = sshPublic(createPublicKey(sshCa.user), 'tbot-local-user-ca');
const kubeFiles = tls(kube);
await Promise.all([
  publish(join(base, 'identity'), {
    ...tls(identity),
    'key.pub': sshPublic(identity.publicKey, 'tbot-identity'),
    'key-cert.pub': sshCertificate(identity.publicKey, sshCa.user),
    sshcacerts: `cert-authority ${userCa}`,
    known_hosts: `@cert-authority * ${sshPublic(createPublicKey(sshCa.host), 'tbot-local-host-ca')}`,
    ssh_config: `Host *\n    IdentityFile ${join(base, 'identity', 'key')}\n`,
    'tbot-status.json': status('identity'),
  }),
  publish(join(base, 'db'), { ...tls(db), 'tbot-status.json': status('database') }),
  publish(join(base, 'kube'), { 'kubeconfig.yaml': Object.values(kubeFiles).map((text) => Buffer.from(text).toString('base64')).join('\n'), 'tbot-status.json': status('kubernetes') }),
  publish(join(base, 'app'), { ...tls(app), 'tbot-status.json': status('application') }),
  publish(join(base, 'ssh-host'), {
    ssh_host: keyPem(host),
    'ssh_host.pub': sshPublic(host.publicKey, 'tbot-ssh-host'),
    'ssh_host-cert.pub': sshCertificate(host.publicKey, sshCa.host),
    'ssh_host-user-ca.pub': userCa,
    'tbot-status.json': status('ssh_host'),
  }),
  publish(join(base, 'svid'), { 'svid.pem': x509(svid.publicKey), 'svid_key.pem': keyPem(svid), 'svid_bundle.pem': rootPem, 'tbot-status.json': status('spiffe-svid') }),
]);
