/** `tbot-collector tenant add | list | revoke`: the tenants allowed to call the authenticated services. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { TbotError, UsageError } from '../../errors.js';
import type { CollectorRuntime } from '../runtime.js';
import { addTenant, DEFAULT_TENANT_DAYS, listTenants, MAX_TENANT_DAYS, revokeExternal, revokeTenant } from '../tenants/tenant-commands.js';
import { dataDirOption } from './data-dir-option.js';

interface TenantArgs {
  dataDir: string;
  name?: string;
  out?: string;
  days?: number;
  format?: 'table' | 'json';
  external?: boolean;
  serial?: string;
}

/** Prints a TbotError's message and sets its exit code; anything else is a bug and propagates. */
async function reporting(runtime: CollectorRuntime, setExitCode: (code: number) => void, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    setExitCode(0);
  } catch (error) {
    if (!(error instanceof TbotError) || error instanceof UsageError) throw error;
    runtime.stderr(`tbot-collector: ${error.message}\n`);
    setExitCode(error.exitCode);
  }
}

function statusOf(entry: { notAfter: string; revokedAt?: string }, now: Date): string {
  if (entry.revokedAt !== undefined) return `revoked ${entry.revokedAt}`;
  return Date.parse(entry.notAfter) <= now.getTime() ? 'expired' : 'valid';
}

export function tenantCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, TenantArgs> {
  const dataDir = dataDirOption('The collector data directory; its tls/ holds the collector CA and the tenant registry');
  return {
    command: 'tenant',
    describe: 'Manage tenants: client certificates for the authenticated services (add, list, revoke)',
    builder: (yargs: Argv) =>
      yargs
        .command({
          command: 'add <name>',
          describe: 'Issue a client certificate for a tenant: writes NAME.crt, NAME.key (0600) and ca.crt into --out',
          builder: (inner: Argv) =>
            inner
              .positional('name', { type: 'string', describe: 'Tenant name: lower-case letters, digits, ".", "-", "_"; at most 63' })
              .option('data-dir', dataDir)
              .option('out', { type: 'string', requiresArg: true, demandOption: true, describe: 'Directory for the certificate, key and CA (created 0700)' })
              .option('days', { type: 'number', requiresArg: true, default: DEFAULT_TENANT_DAYS, describe: `Validity in days (1 to ${MAX_TENANT_DAYS})` }),
          handler: (args: ArgumentsCamelCase<TenantArgs>) =>
            reporting(runtime, setExitCode, async () => {
              const added = await addTenant(args.dataDir, args.name!, args.out!, runtime.now(), args.days);
              runtime.stdout(
                `tenant ${added.entry.name}: certificate ${added.entry.serial}, valid until ${added.entry.notAfter}\n` +
                  `  ${added.files.cert}\n  ${added.files.key}\n  ${added.files.ca}\n`,
              );
            }),
        } as unknown as CommandModule)
        .command({
          command: 'list',
          describe: 'Show each tenant certificate with its expiry and whether it is revoked',
          builder: (inner: Argv) =>
            inner.option('data-dir', dataDir).option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'table for people, json for scripts' }),
          handler: (args: ArgumentsCamelCase<TenantArgs>) =>
            reporting(runtime, setExitCode, async () => {
              const { tenants, externalRevocations } = listTenants(args.dataDir);
              const now = runtime.now();
              if (args.format === 'json')
                return runtime.stdout(
                  `${JSON.stringify(
                    [
                      ...tenants.map((entry) => ({ ...entry, issuer: 'collector', status: statusOf(entry, now) })),
                      ...externalRevocations.map((entry) => ({ ...entry, issuer: 'external', status: `revoked ${entry.revokedAt}` })),
                    ],
                    null,
                    2,
                  )}\n`,
                );
              if (tenants.length + externalRevocations.length === 0) return runtime.stdout('no tenants yet; add one with `tbot-collector tenant add NAME --out DIR`\n');
              const rows = [
                ['TENANT', 'EXPIRES', 'STATUS', 'SERIAL'],
                ...tenants.map((entry) => [entry.name, entry.notAfter, statusOf(entry, now), entry.serial]),
                ...externalRevocations.map((entry) => [entry.name, '-', `revoked ${entry.revokedAt} (external CA)`, entry.serial ?? 'all']),
              ];
              const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
              runtime.stdout(`${rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n')}\n`);
            }),
        } as unknown as CommandModule)
        .command({
          command: 'revoke <name>',
          describe: "Revoke a tenant's certificates: a running collector refuses them from the next connection on",
          builder: (inner: Argv) =>
            inner
              .positional('name', { type: 'string', describe: 'Tenant name' })
              .option('data-dir', dataDir)
              .option('external', {
                type: 'boolean',
                describe: 'Refuse certificates the external CA (serve --client-ca) issued to NAME: all of them, or only --serial',
              })
              .option('serial', {
                type: 'string',
                requiresArg: true,
                implies: 'external',
                describe: 'With --external: only the certificate with this serial (hex, as openssl x509 -serial prints it)',
              }),
          handler: (args: ArgumentsCamelCase<TenantArgs>) =>
            reporting(runtime, setExitCode, async () => {
              if (args.external === true) {
                const entry = await revokeExternal(args.dataDir, args.name!, runtime.now(), args.serial);
                return runtime.stdout(`tenant ${entry.name}: ${entry.serial === undefined ? 'every certificate' : `certificate ${entry.serial}`} from the external CA refused\n`);
              }
              for (const entry of await revokeTenant(args.dataDir, args.name!, runtime.now())) runtime.stdout(`tenant ${entry.name}: certificate ${entry.serial} revoked\n`);
            }),
        } as unknown as CommandModule)
        .demandCommand(1, 'name a tenant command: add, list or revoke'),
    handler: () => undefined,
  } as unknown as CommandModule<object, TenantArgs>;
}
