/**
 * `tbot keypair create`: a keypair to preregister for bound-keypair joining. Written to the bot's
 * storage as tbot writes it (ca/bound-keypair.ts), or with --static as a standalone private key;
 * the public key is printed for the join token's `spec.bound_keypair.onboarding.initial_public_key`.
 * A keypair already in the storage is kept (its public key printed again) unless --overwrite.
 */
import { resolve } from 'node:path';
import { boundKeypairFiles, boundKeypairFromPem, generateBoundKeypair, PRIVATE_KEY_FILE, type BoundKeypair } from '../../ca/bound-keypair.js';
import { destinationFromUri, URI_EXPECTED } from '../../config/destination-uri.js';
import { TbotError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { ensureDirectory } from '../../fs/ensure-directory.js';
import { readRegularFile } from '../../fs/read-regular-file.js';
import type { Logger } from '../../log/logger.js';
import type { Invocation } from '../command-types.js';
import { loggerFor } from '../config-input.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

/** The keypair cannot be created or stored where asked. */
export class KeypairError extends TbotError {
  readonly exitCode = 1;
  override name = 'KeypairError';
}

/** A PEM private key is a few kB at most. */
const MAX_KEY_BYTES = 64 * 1024;

function printKeypair(keypair: BoundKeypair, format: string, runtime: Runtime, privateKeyToo: boolean): void {
  if (format === 'json') {
    runtime.stdout(`${JSON.stringify({ public_key: keypair.publicKeyLine, ...(privateKeyToo ? { private_key: keypair.privateKeyPem } : {}) })}\n`);
    return;
  }
  if (privateKeyToo) runtime.stdout(keypair.privateKeyPem);
  runtime.stdout(
    `\nTo register this keypair with Teleport, put this public key in the join token's\n\`spec.bound_keypair.onboarding.initial_public_key\`:\n\n\t${keypair.publicKeyLine}\n\n`,
  );
}

async function readExisting(path: string): Promise<string | undefined> {
  try {
    return await readRegularFile(path, MAX_KEY_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeypairError(`cannot read ${path}: ${error instanceof Error && !('code' in error) ? error.message : describeFsError(error)}`);
  }
}

async function createStatic(invocation: Invocation, runtime: Runtime, logger: Logger, format: string): Promise<void> {
  const keypair = generateBoundKeypair();
  const pathText = invocation.values['static-key-path'];
  if (typeof pathText !== 'string') {
    printKeypair(keypair, format, runtime, true);
    return;
  }
  const path = resolve(runtime.cwd, pathText);
  if (invocation.values['overwrite'] !== true && (await readExisting(path)) !== undefined) {
    throw new KeypairError(`${path} already exists; pass --overwrite to replace it`);
  }
  try {
    await writeFileAtomic(path, keypair.privateKeyPem, 0o600);
  } catch (error) {
    throw new KeypairError(`cannot write ${path}: ${describeFsError(error)}`);
  }
  logger.info('static private key has been written', { path });
  printKeypair(keypair, format, runtime, false);
}

async function createInStorage(storage: string, invocation: Invocation, runtime: Runtime, logger: Logger, format: string): Promise<void> {
  const parsed = destinationFromUri(storage);
  if (!parsed.ok) throw new UsageError(`--storage "${storage}" ${parsed.problem}; expected ${URI_EXPECTED}`);
  const destination = parsed.destination;
  if (destination.type === 'kubernetes_secret') throw new KeypairError('--storage kubernetes-secret:// needs a Kubernetes API, which this agent does not use; give a directory');
  if (destination.type === 'memory') {
    logger.warn('--storage memory:// keeps nothing: the private key is gone when this command ends, and the public key printed below cannot be used to join');
    printKeypair(generateBoundKeypair(), format, runtime, false);
    return;
  }
  const dir = resolve(runtime.cwd, destination.path);
  const overwrite = invocation.values['overwrite'] === true;
  const existing = await readExisting(resolve(dir, PRIVATE_KEY_FILE));
  if (existing !== undefined && existing.trim() !== '') {
    let keypair: BoundKeypair | undefined;
    try {
      keypair = boundKeypairFromPem(existing);
    } catch {
      if (!overwrite) throw new KeypairError(`${resolve(dir, PRIVATE_KEY_FILE)} is not an Ed25519 private key this agent can read; pass --overwrite to replace it`);
    }
    if (keypair !== undefined && !overwrite) {
      logger.info('existing keypair found in the storage, printing its public key; to generate a new key, pass --overwrite', { storage: dir });
      printKeypair(keypair, format, runtime, false);
      return;
    }
    logger.warn('overwriting the keypair in the storage with a new one', { storage: dir });
  }
  const keypair = generateBoundKeypair();
  try {
    await ensureDirectory(dir, 0o700);
    for (const [name, contents] of boundKeypairFiles(keypair, runtime.now())) await writeFileAtomic(resolve(dir, name), contents, 0o600);
  } catch (error) {
    throw new KeypairError(`cannot write the keypair to ${dir}: ${error instanceof Error && !('code' in error) ? error.message : describeFsError(error)}`);
  }
  logger.info('keypair has been written to storage', { storage: dir });
  printKeypair(keypair, format, runtime, false);
}

export async function run(invocation: Invocation, runtime: Runtime): Promise<number> {
  const format = (invocation.values['format'] as string | undefined) ?? 'text';
  const storage = invocation.values['storage'];
  const isStatic = invocation.values['static'] === true;
  if (!isStatic && typeof storage !== 'string') throw new UsageError('--storage is required (or --static, for a key kept outside the storage)');
  if (!isStatic && invocation.values['static-key-path'] !== undefined) throw new UsageError('--static-key-path only works with --static');
  const logger = loggerFor(invocation.values['debug'] === true, invocation, runtime);
  logger.debug("the Proxy Service is not pinged: the key is Ed25519, the type of Teleport's default signature suite (balanced-v1)", {
    proxy_server: invocation.values['proxy-server'] as string,
  });
  try {
    if (isStatic) await createStatic(invocation, runtime, logger, format);
    else await createInStorage(storage as string, invocation, runtime, logger, format);
    return 0;
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
}
