/**
 * The config validators, loaded on demand: each config-sections/ module is its own chunk in the
 * bundle, and a config loads only the ones for the kinds it uses (a one-output config reads and
 * compiles a small fraction of the schema's code).
 */
import { sectionModuleOf, type ConfigEntryKind, type ConfigSectionModule } from './config-sections.js';
import type { Validator } from './validators.js';

interface SectionModule {
  validators: Readonly<Record<string, Validator>>;
}

// Literal import() paths: the bundler splits each into its own chunk.
const LOADERS: Record<ConfigSectionModule, () => Promise<SectionModule>> = {
  top: () => import('./config-sections/top.js'),
  identity: () => import('./config-sections/identity.js'),
  database: () => import('./config-sections/database.js'),
  kubernetes: () => import('./config-sections/kubernetes.js'),
  application: () => import('./config-sections/application.js'),
  'ssh-host': () => import('./config-sections/ssh-host.js'),
  'spiffe-svid': () => import('./config-sections/spiffe-svid.js'),
  'workload-identity': () => import('./config-sections/workload-identity.js'),
  'not-served': () => import('./config-sections/not-served.js'),
};

/** The validator of the config's top part, or of whole entries of one kind. */
export async function configValidator(part: 'top' | ConfigEntryKind): Promise<Validator> {
  const module = part === 'top' ? 'top' : sectionModuleOf(part);
  const validate = module === undefined ? undefined : (await LOADERS[module]()).validators[part];
  if (validate === undefined) throw new Error(`no config validator for ${part}`);
  return validate;
}
