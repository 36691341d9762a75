/**
 * A v1 config (top-level `destinations`) → the same bot in the v2 layout, as `tbot migrate` does:
 * each destination becomes a service whose type follows from what it names (app, database,
 * kubernetes_cluster, an ssh_host_cert template, else identity), its config templates folded into
 * the v2 fields (database format, specific TLS names, host principals), `storage` and each
 * destination's `directory`/`memory` into a typed destination, `certificate_ttl` into
 * `credential_ttl`. What Go's migration refuses is refused here too, each issue located.
 * Pure: the data and a locator in, plain v2 data out.
 */
import { ConfigError, type ConfigIssue, type IssueOrigin } from '../errors.js';
import { closest } from '../text/did-you-mean.js';
import { formatFieldPath } from './schema-issues.js';
import type { FieldPath } from './yaml-document.js';

export type Locate = (path: FieldPath, part: 'key' | 'value') => IssueOrigin;

/** The keys of a v1 config, the ones Go's v1 reader knows (`outputs` only to refuse it). */
const V1_KEYS = ['version', 'onboarding', 'debug', 'auth_server', 'certificate_ttl', 'renewal_interval', 'oneshot', 'fips', 'diag_addr', 'destinations', 'storage', 'outputs'];
const DESTINATION_KEYS = ['directory', 'memory', 'roles', 'configs', 'database', 'kubernetes_cluster', 'app', 'cluster'];
const TEMPLATES = ['ssh_client', 'identity', 'tls', 'tls_cas', 'mongo', 'cockroach', 'kubernetes', 'ssh_host_cert'] as const;
type Template = (typeof TEMPLATES)[number];

/** The templates each v2 output kind can stand for, as Go's migration allows them. */
const ALLOWED: Record<string, readonly Template[]> = {
  application: ['tls_cas', 'tls', 'identity'],
  database: ['tls_cas', 'identity', 'mongo', 'cockroach', 'tls'],
  kubernetes: ['tls_cas', 'identity', 'kubernetes'],
  ssh_host: ['ssh_host_cert'],
  identity: ['tls_cas', 'identity', 'ssh_client'],
};

class Issues {
  readonly list: ConfigIssue[] = [];
  constructor(private readonly locate: Locate) {}
  add(path: FieldPath, problem: string, expected?: string, part: 'key' | 'value' = 'value'): void {
    this.list.push({ origin: this.locate(path, part), field: formatFieldPath(path), problem, ...(expected === undefined ? {} : { expected }) });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(issues: Issues, data: Record<string, unknown>, path: FieldPath, known: readonly string[]): void {
  for (const key of Object.keys(data)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    issues.add(
      [...path, key],
      `is not a key of a v1 config${near === undefined ? '' : `; did you mean ${near}?`}`,
      `one of ${known.filter((name) => name !== 'outputs').join(', ')}`,
      'key',
    );
  }
}

/** v1's `directory: PATH` or `directory: {path, symlinks, acls}`, or `memory: …` → a v2 destination. */
function destinationOf(issues: Issues, data: Record<string, unknown>, path: FieldPath): Record<string, unknown> | undefined {
  const hasDirectory = data['directory'] !== undefined && data['directory'] !== null;
  const hasMemory = data['memory'] !== undefined && data['memory'] !== null && data['memory'] !== false;
  if (hasDirectory && hasMemory) {
    issues.add(path, "both 'memory' and 'directory' are given", 'one of them');
    return undefined;
  }
  if (hasMemory) return { type: 'memory' };
  if (!hasDirectory) {
    issues.add(path, "names neither 'directory' nor 'memory'", 'a `directory: PATH` or `memory: {}`');
    return undefined;
  }
  const directory = data['directory'];
  if (typeof directory === 'string') return { type: 'directory', path: directory };
  if (isRecord(directory)) {
    unknownKeys(issues, directory, [...path, 'directory'], ['path', 'symlinks', 'acls']);
    // In the order v2 configs list them.
    const fields = ['path', 'symlinks', 'acls'].filter((key) => directory[key] !== undefined).map((key) => [key, directory[key]]);
    return { type: 'directory', ...Object.fromEntries(fields) };
  }
  issues.add([...path, 'directory'], 'is neither a path nor a mapping', 'a path, or {path: DIR, symlinks: ..., acls: ...}');
  return undefined;
}

/** One `configs:` entry: a bare template name, or a mapping with exactly one template key. */
function templateOf(issues: Issues, entry: unknown, path: FieldPath): { name: Template; options: unknown } | undefined {
  if (typeof entry === 'string') {
    if ((TEMPLATES as readonly string[]).includes(entry)) return { name: entry as Template, options: {} };
    const near = closest(entry, TEMPLATES);
    issues.add(path, `is not a config template${near === undefined ? '' : `; did you mean ${near}?`}`, `one of ${TEMPLATES.join(', ')}`);
    return undefined;
  }
  if (!isRecord(entry)) {
    issues.add(path, 'is neither a template name nor a mapping', `one of ${TEMPLATES.join(', ')}`);
    return undefined;
  }
  const keys = Object.keys(entry);
  if (keys.length !== 1) {
    issues.add(path, keys.length === 0 ? 'is an empty config template' : 'holds more than one config template', 'exactly one template per entry');
    return undefined;
  }
  const name = keys[0] as string;
  if (!(TEMPLATES as readonly string[]).includes(name)) {
    issues.add([...path, name], 'is not a config template', `one of ${TEMPLATES.join(', ')}`, 'key');
    return undefined;
  }
  return { name: name as Template, options: entry[name] ?? {} };
}

function migrateDestination(issues: Issues, data: unknown, path: FieldPath): Record<string, unknown> | undefined {
  if (!isRecord(data)) {
    issues.add(path, 'is not a mapping', 'a destination: {directory: PATH, roles: [...], configs: [...]}');
    return undefined;
  }
  const before = issues.list.length;
  unknownKeys(issues, data, path, DESTINATION_KEYS);
  const destination = destinationOf(issues, data, path);
  const configs = data['configs'] ?? [];
  const templates: { name: Template; options: unknown; index: number }[] = [];
  if (!Array.isArray(configs)) issues.add([...path, 'configs'], 'is not a list', 'a list of config templates');
  else
    configs.forEach((entry, index) => {
      const template = templateOf(issues, entry, [...path, 'configs', index]);
      if (template !== undefined) templates.push({ ...template, index });
    });
  const hostCert = templates.find((template) => template.name === 'ssh_host_cert');
  const kinds = [
    ['application', data['app'] !== undefined && data['app'] !== ''],
    ['database', data['database'] !== undefined && data['database'] !== null],
    ['kubernetes', data['kubernetes_cluster'] !== undefined && data['kubernetes_cluster'] !== ''],
    ['ssh_host', hostCert !== undefined],
  ].flatMap(([kind, named]) => (named ? [kind as string] : []));
  if (kinds.length > 1) {
    issues.add(path, `names more than one kind of output (${kinds.join(', ')}), so the v2 output type cannot be chosen`, 'one destination per output');
    return undefined;
  }
  const type = kinds[0] ?? 'identity';
  const allowed = ALLOWED[type] as readonly Template[];
  const seen = new Set<Template>();
  for (const template of templates) {
    const at = [...path, 'configs', template.index];
    if (!allowed.includes(template.name)) issues.add(at, `the ${template.name} template has no place in a v2 ${type} output`, `one of ${allowed.join(', ')}`);
    else if (seen.has(template.name)) issues.add(at, `the ${template.name} template is given twice`);
    else if (template.name === 'ssh_host_cert') {
      const principals = isRecord(template.options) ? template.options['principals'] : undefined;
      if (!Array.isArray(principals) || principals.length === 0) issues.add(at, 'ssh_host_cert names no principals', 'ssh_host_cert: {principals: [host.example.com]}');
    } else if (isRecord(template.options) && Object.keys(template.options).length > 0) {
      issues.add(at, `the options of the ${template.name} template cannot be migrated`, `a bare \`${template.name}\``);
    }
    seen.add(template.name);
  }
  const formats = templates.filter((template) => type === 'database' && ['mongo', 'cockroach', 'tls'].includes(template.name));
  if (formats.length > 1) issues.add([...path, 'configs'], 'names more than one database format (mongo, cockroach, tls)', 'at most one of them');
  const database = isRecord(data['database']) ? data['database'] : {};
  if (type === 'database') unknownKeys(issues, database, [...path, 'database'], ['service', 'database', 'username']);
  if (issues.list.length > before || destination === undefined) return undefined;

  const roles = data['roles'] === undefined ? {} : { roles: data['roles'] };
  switch (type) {
    case 'application':
      return { type, destination, ...roles, app_name: data['app'], ...(seen.has('tls') ? { specific_tls_naming: true } : {}) };
    case 'database': {
      const fields = Object.fromEntries(['service', 'database', 'username'].filter((key) => database[key] !== undefined).map((key) => [key, database[key]]));
      return { type, destination, ...roles, ...(formats[0] === undefined ? {} : { format: formats[0].name }), ...fields };
    }
    case 'kubernetes':
      return { type, destination, ...roles, kubernetes_cluster: data['kubernetes_cluster'] };
    case 'ssh_host':
      return { type, destination, ...roles, principals: isRecord(hostCert?.options) ? hostCert.options['principals'] : [] };
    default:
      return { type, destination, ...roles, ...(data['cluster'] === undefined ? {} : { cluster: data['cluster'] }) };
  }
}

/** The v2 data for a v1 config; throws ConfigError naming every place that cannot be migrated. */
export function migrateV1Config(data: unknown, locate: Locate): Record<string, unknown> {
  const issues = new Issues(locate);
  if (!isRecord(data)) {
    issues.add([], 'is not a mapping of config keys', 'a v1 config with `destinations:`');
    throw new ConfigError(issues.list);
  }
  unknownKeys(issues, data, [], V1_KEYS);
  if (data['outputs'] !== undefined)
    issues.add(['outputs'], 'is a v2 key: this file looks like a v2 config that lacks its `version: v2` line', 'add `version: v2` as the first line instead of migrating', 'key');
  const migrated: Record<string, unknown> = { version: 'v2' };
  const onboarding = data['onboarding'];
  // Go writes the migrated onboarding with its empty fields left out (`ca_path: ""` is "no CA file").
  if (isRecord(onboarding)) migrated['onboarding'] = Object.fromEntries(Object.entries(onboarding).filter(([, value]) => value !== '' && value !== null));
  else if (onboarding !== undefined && onboarding !== null) migrated['onboarding'] = onboarding;
  const storage = data['storage'];
  if (storage !== undefined && storage !== null) {
    if (isRecord(storage)) {
      unknownKeys(issues, storage, ['storage'], ['directory', 'memory']);
      const destination = destinationOf(issues, storage, ['storage']);
      if (destination !== undefined) migrated['storage'] = destination;
    } else issues.add(['storage'], 'is not a mapping', 'storage: {directory: PATH}');
  }
  const destinations = data['destinations'] ?? [];
  if (!Array.isArray(destinations)) issues.add(['destinations'], 'is not a list', 'a list of destinations');
  else migrated['services'] = destinations.map((entry, index) => migrateDestination(issues, entry, ['destinations', index]));
  for (const key of ['debug', 'auth_server', 'renewal_interval', 'oneshot', 'fips', 'diag_addr']) if (data[key] !== undefined) migrated[key] = data[key];
  if (data['certificate_ttl'] !== undefined) migrated['credential_ttl'] = data['certificate_ttl'];
  if (issues.list.length > 0) throw new ConfigError(issues.list);
  return migrated;
}
