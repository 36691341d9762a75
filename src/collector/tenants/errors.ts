/** TLS material or the tenant registry is unusable as found; the message names the file. */
import { TbotError } from '../../errors.js';

export class TlsSetupError extends TbotError {
  readonly exitCode = 1;
  override name = 'TlsSetupError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** A tenant command cannot do what was asked (unknown name, name taken); nothing was changed. */
export class TenantError extends TbotError {
  readonly exitCode = 1;
  override name = 'TenantError';
}
