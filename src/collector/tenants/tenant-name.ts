/**
 * Tenant names are stored (in the tenant registry and beside every authenticated event) and shown
 * in reports, so they come from a closed charset with a bounded length: lower-case letters,
 * digits, dot, dash and underscore, starting with a letter or digit, at most 63 characters (a DNS
 * label's length, so a tenant name fits wherever a host label does).
 */
export const MAX_TENANT_NAME_LENGTH = 63;
const TENANT_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Why `name` is not a tenant name, or undefined when it is one. */
export function tenantNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_TENANT_NAME_LENGTH) return `is ${name.length} characters long; at most ${MAX_TENANT_NAME_LENGTH} are allowed`;
  if (!TENANT_NAME.test(name)) return 'may hold only lower-case letters, digits, ".", "-" and "_", and must start with a letter or digit';
  return undefined;
}

export const isTenantName = (name: string): boolean => tenantNameProblem(name) === undefined;
