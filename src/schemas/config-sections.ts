/**
 * Which module under config-sections/ validates which part of a tbot config. A config is checked
 * in parts so that a start loads only the validators of the kinds it uses: `top` is the document
 * with each entry checked only for being a mapping, and every other module holds the validators
 * of whole entries of its kinds. Plain data: the build (ajv standalone per module), the dev-time
 * compiler and the loader all read it, and it pulls in nothing.
 */
export const CONFIG_SECTION_MODULES = {
  top: [],
  identity: ['identity'],
  database: ['database'],
  kubernetes: ['kubernetes', 'kubernetes/v2'],
  application: ['application'],
  'ssh-host': ['ssh_host'],
  'spiffe-svid': ['spiffe-svid'],
  'workload-identity': ['workload-identity-x509', 'workload-identity-jwt'],
  // Kinds this agent does not serve: explained as cluster-only (or, `example`, skipped) before they would be checked.
  'not-served': [
    'kubernetes/argo-cd',
    'workload-identity-aws-roles-anywhere',
    'workload-identity-aws-ra',
    'database-tunnel',
    'application-tunnel',
    'application-proxy',
    'ssh-multiplexer',
    'spiffe-workload-api',
    'workload-identity-api',
    'example',
  ],
} as const satisfies Record<string, readonly string[]>;

export type ConfigSectionModule = keyof typeof CONFIG_SECTION_MODULES;
export type ConfigEntryKind = (typeof CONFIG_SECTION_MODULES)[ConfigSectionModule][number];

/** Every entry kind the schema knows (a unit test holds the two lists together). */
export const CONFIG_ENTRY_KINDS: readonly ConfigEntryKind[] = Object.values(CONFIG_SECTION_MODULES).flat();

export function sectionModuleOf(kind: string): ConfigSectionModule | undefined {
  for (const [module, kinds] of Object.entries(CONFIG_SECTION_MODULES)) if ((kinds as readonly string[]).includes(kind)) return module as ConfigSectionModule;
  return undefined;
}
