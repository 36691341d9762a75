/**
 * Every command, alias and flag of `tbot`, as data. yargs is built from this table (yargs-cli.ts),
 * and so can any lighter parser: the table imports nothing, and each command's code is loaded
 * with import() only when that command runs, so `tbot version` and `--help` load no YAML parser,
 * schema, certificate code or agent.
 *
 * Names, aliases, env vars and the start/configure subcommands follow Teleport's tbot CLI.
 */
import type { CommandDef, CommandModule, FlagDef } from './command-types.js';

const flag = (name: string, describe: string, more: Partial<FlagDef> = {}): FlagDef => ({ name, describe, type: 'string', ...more });
const bool = (name: string, describe: string, more: Partial<FlagDef> = {}): FlagDef => ({ name, describe, type: 'boolean', ...more });

/** The join methods, for help text only: the loader checks the value and suggests the nearest. */
const JOIN_HELP =
  'azure, azure_devops, bitbucket, circleci, gcp, github, gitlab, iam, kubernetes, spacelift, token, tpm, terraform_cloud, oracle, bound_keypair, env0, generic_oidc';

export const GLOBAL_FLAGS: readonly FlagDef[] = [
  bool('debug', 'Log at debug level', { short: 'd', env: 'TBOT_DEBUG' }),
  flag('config', 'Path to a tbot v2 YAML config file', { short: 'c', env: 'TBOT_CONFIG_PATH' }),
  flag('config-string', 'A whole YAML config, base64-encoded', { env: 'TBOT_CONFIG', hidden: true }),
  bool('fips', 'FIPS mode (not supported by this agent: it says why and exits)'),
  bool('insecure', 'Skip TLS checks when joining (no effect here: this agent contacts no cluster)'),
  flag('log-format', 'Log line format', { choices: ['text', 'json'] }),
];

const ADDRESS_FLAGS: readonly FlagDef[] = [
  flag('auth-server', 'Address of a Teleport Auth Service (recorded; never contacted)', { short: 'a', env: 'TELEPORT_AUTH_SERVER' }),
  flag('proxy-server', 'Address of a Teleport Proxy Service, host:port (recorded; never contacted)', { env: 'TELEPORT_PROXY' }),
];

const SHARED_START_FLAGS: readonly FlagDef[] = [
  ...ADDRESS_FLAGS,
  flag('token', 'Join token, or the path of a file holding it (recorded; never sent)', { env: 'TELEPORT_BOT_TOKEN' }),
  flag('ca-pin', 'CA pin for the first connection to a cluster (recorded; no effect here)', { repeatable: true }),
  flag('certificate-ttl', 'Lifetime of issued credentials, e.g. 1h (at most 24h)', { aliases: ['credential-ttl'] }),
  flag('renewal-interval', 'How often to renew, e.g. 20m (< certificate-ttl)'),
  flag('join-method', `How the bot joins a cluster (${JOIN_HELP}); recorded and reported, never performed`),
  bool('oneshot', 'Renew once and exit (CI); default is to run continuously'),
  flag('diag-addr', 'Serve /livez, /readyz and /metrics on this host:port'),
  flag('storage', 'Where the bot keeps its state and local CA: a directory, file:///path or memory://'),
];

const LEGACY_FLAGS: readonly FlagDef[] = [
  ...SHARED_START_FLAGS,
  flag('destination-dir', 'Replace the configured outputs with one identity output in this directory'),
  flag('data-dir', "The bot's storage directory (tbot's older name for --storage; a URI is accepted)"),
];

/** `start` and `configure` (every form); only `start` writes the file. */
const PID_FILE_FLAG = flag('pid-file', 'Write the process id to this file (atomically) and remove it on exit; default: no PID file');

/** The `start <kind>` / `configure <kind>` forms only: tbot's legacy form has neither. */
const JOIN_FLAGS: readonly FlagDef[] = [
  flag('join-uri', 'A join URI, tbot+proxy+<join method>://<token>[:<parameter>]@<host:port>: the address, join method and token in one (recorded; never contacted)'),
  flag('registration-secret', 'Bound-keypair joining: the registration secret for the first join (recorded; never sent)'),
  flag('registration-secret-path', 'Bound-keypair joining: a file holding the registration secret (recorded; never read here)'),
  flag('static-key-path', 'Bound-keypair joining: a static private key file (recorded; never read here)'),
];
/** A one-shot run that renews nothing fails unless this says an empty run is meant (see commands/start.ts). */
const ALLOW_EMPTY_FLAG = bool('allow-empty', 'With --oneshot: exit 0 even when there is no output to renew (by default that run fails)');

const CONSENT_FLAG = bool('anonymous-analytics', 'Opt in to (or, with --no-, out of) anonymous usage analytics');

const DESTINATION_FLAGS: readonly FlagDef[] = [
  flag('destination', 'Where to write: a directory, file:///path or memory://', { required: true, field: 'destination' }),
  flag('reader-user', 'A user name or uid allowed to read the files (directory destinations)', { repeatable: true, field: 'destination.readers.user' }),
  flag('reader-group', 'A group name or gid allowed to read the files (directory destinations)', { repeatable: true, field: 'destination.readers.group' }),
];

const NAME_SELECTORS = (repeatable: boolean, field: string): FlagDef[] => [
  flag('name-selector', repeatable ? 'Select a Kubernetes cluster by name (repeatable)' : 'Select the workload identity by name', { repeatable, field: `${field}.name` }),
  flag('label-selector', 'Select by labels, k1=v1,k2=v2 (needs a Teleport cluster: explained, then exits)', { repeatable, field: `${field}.labels` }),
];

interface KindSpec {
  name: string;
  aliases?: string[];
  describe: string;
  type: string;
  destination: boolean;
  flags: FlagDef[];
}

/** tbot's `start <kind>` / `configure <kind>` subcommands (lib/tbot/cli start_*.go). There is no `ssh-host` one in tbot. */
const KINDS: readonly KindSpec[] = [
  {
    name: 'identity',
    aliases: ['ssh', 'id'],
    type: 'identity',
    destination: true,
    describe: 'Start with an identity output for SSH and TLS',
    flags: [flag('cluster', 'The leaf cluster to route to', { field: 'cluster' }), bool('allow-reissue', 'Allow the credentials to be reissued', { field: 'allow_reissue' })],
  },
  {
    name: 'database',
    aliases: ['db'],
    type: 'database',
    destination: true,
    describe: 'Start with a database output',
    flags: [
      flag('service', 'The database service name', { required: true, field: 'service' }),
      flag('username', 'The database user', { required: true, field: 'username' }),
      flag('database', 'The database name', { required: true, field: 'database' }),
      flag('format', "File layout: tls, mongo or cockroach (default: tbot's plain layout)", { field: 'format' }),
    ],
  },
  {
    name: 'kubernetes',
    aliases: ['k8s'],
    type: 'kubernetes',
    destination: false,
    describe: 'Start with a kubernetes output',
    flags: [
      flag('destination', 'Where to write: a directory, file:///path or memory://', { required: true, field: 'destination' }),
      flag('kubernetes-cluster', 'The Kubernetes cluster name', { required: true, field: 'kubernetes_cluster' }),
      bool('disable-exec-plugin', 'Embed the credentials instead of calling tbot from the kubeconfig', { field: 'disable_exec_plugin' }),
    ],
  },
  {
    name: 'kubernetes/v2',
    aliases: ['k8s/v2'],
    type: 'kubernetes/v2',
    destination: true,
    describe: 'Start with a kubernetes/v2 output (one kubeconfig, many clusters)',
    flags: [
      bool('disable-exec-plugin', 'Embed the credentials instead of calling tbot from the kubeconfig', { field: 'disable_exec_plugin' }),
      ...NAME_SELECTORS(true, 'selectors'),
    ],
  },
  {
    name: 'application',
    aliases: ['app'],
    type: 'application',
    destination: true,
    describe: 'Start with an application output',
    flags: [
      flag('app', 'The application name', { required: true, field: 'app_name' }),
      bool('specific-tls-extensions', 'Also write tls.crt, tls.key and tls.cas', { field: 'specific_tls_naming' }),
    ],
  },
  {
    name: 'spiffe-svid',
    type: 'spiffe-svid',
    destination: true,
    describe: 'Start with a SPIFFE X.509 SVID output',
    flags: [
      flag('svid-path', 'The SPIFFE ID path, starting with /', { required: true, field: 'svid.path' }),
      flag('svid-hint', 'A hint for workloads choosing among SVIDs', { field: 'svid.hint' }),
      flag('dns-san', 'A DNS name for the SVID (repeatable)', { repeatable: true, field: 'svid.sans.dns' }),
      flag('ip-san', 'An IP address for the SVID (repeatable)', { repeatable: true, field: 'svid.sans.ip' }),
      bool('include-federated-trust-bundles', 'Include federated trust bundles', { field: 'include_federated_trust_bundles' }),
    ],
  },
  {
    name: 'workload-identity-x509',
    type: 'workload-identity-x509',
    destination: true,
    describe: 'Start with a workload identity X.509 output',
    flags: [...NAME_SELECTORS(false, 'selector'), bool('include-federated-trust-bundles', 'Include federated trust bundles', { field: 'include_federated_trust_bundles' })],
  },
  {
    name: 'workload-identity-jwt',
    type: 'workload-identity-jwt',
    destination: true,
    describe: 'Start with a workload identity JWT output',
    flags: [...NAME_SELECTORS(false, 'selector'), flag('audience', 'An audience of the JWT (repeatable)', { required: true, repeatable: true, field: 'audiences' })],
  },
  // Valid in tbot, but they need a Teleport cluster or a cloud API: the loader explains and exits.
  {
    name: 'application-tunnel',
    aliases: ['app-tunnel'],
    type: 'application-tunnel',
    destination: false,
    describe: 'An application tunnel (needs a Teleport cluster: explained, then exits)',
    flags: [flag('listen', 'Listen address', { required: true, field: 'listen' }), flag('app', 'The application name', { required: true, field: 'app_name' })],
  },
  {
    name: 'application-proxy',
    aliases: ['app-proxy'],
    type: 'application-proxy',
    destination: false,
    describe: 'An application proxy (needs a Teleport cluster: explained, then exits)',
    flags: [flag('listen', 'Listen address', { required: true, field: 'listen' })],
  },
  {
    name: 'database-tunnel',
    aliases: ['db-tunnel'],
    type: 'database-tunnel',
    destination: false,
    describe: 'A database tunnel (needs a Teleport cluster: explained, then exits)',
    flags: [
      flag('listen', 'Listen address', { required: true, field: 'listen' }),
      flag('service', 'The database service name', { required: true, field: 'service' }),
      flag('username', 'The database user', { required: true, field: 'username' }),
      flag('database', 'The database name', { required: true, field: 'database' }),
    ],
  },
  {
    name: 'workload-identity-api',
    type: 'workload-identity-api',
    destination: false,
    describe: 'The SPIFFE Workload API (needs a Teleport cluster: explained, then exits)',
    flags: [flag('listen', 'Listen address', { required: true, field: 'listen' }), ...NAME_SELECTORS(false, 'selector')],
  },
  {
    name: 'workload-identity-aws-roles-anywhere',
    type: 'workload-identity-aws-roles-anywhere',
    destination: true,
    describe: 'AWS Roles Anywhere credentials (needs a Teleport cluster and AWS: explained, then exits)',
    flags: [
      ...NAME_SELECTORS(false, 'selector'),
      flag('role-arn', 'The AWS role ARN', { required: true, field: 'role_arn' }),
      flag('profile-arn', 'The Roles Anywhere profile ARN', { required: true, field: 'profile_arn' }),
      flag('trust-anchor-arn', 'The Roles Anywhere trust anchor ARN', { required: true, field: 'trust_anchor_arn' }),
      flag('region', 'The AWS region', { field: 'region' }),
      flag('session-duration', 'The AWS session duration', { field: 'session_duration' }),
      flag('session-renewal-interval', 'How often to renew the AWS session', { field: 'session_renewal_interval' }),
    ],
  },
  {
    name: 'ssh-multiplexer',
    type: 'ssh-multiplexer',
    destination: true,
    describe: 'The SSH multiplexer (needs a Teleport cluster: explained, then exits)',
    flags: [
      bool('enable-resumption', 'Enable session resumption', { field: 'enable_resumption' }),
      flag('proxy-command', 'The proxy command (repeatable)', { repeatable: true, field: 'proxy_command' }),
      flag('proxy-templates-path', 'A proxy templates file', { field: 'proxy_templates_path' }),
    ],
  },
  { name: 'noop', aliases: ['no-op'], type: '', destination: false, describe: 'Start with no outputs at all', flags: [] },
];

const startModule = (): Promise<CommandModule> => import('./commands/start.js');
const configureModule = (): Promise<CommandModule> => import('./commands/configure.js');

function kindCommands(load: () => Promise<CommandModule>, extra: readonly FlagDef[]): CommandDef[] {
  return KINDS.map((kind) => ({
    name: kind.name,
    ...(kind.aliases === undefined ? {} : { aliases: kind.aliases }),
    describe: kind.describe,
    flags: [...SHARED_START_FLAGS, ...JOIN_FLAGS, PID_FILE_FLAG, ...(kind.destination ? DESTINATION_FLAGS : []), ...kind.flags, ...extra],
    entryType: kind.type,
    load,
  }));
}

const OUTPUT_FLAG = flag('output', 'Write the config to this file (atomically) instead of stdout', { short: 'o' });

/** `tbot start`'s own form; `install systemd` offers --pid-file only when this takes it (commands/install-systemd.ts). */
const START_LEGACY_FLAGS: readonly FlagDef[] = [...LEGACY_FLAGS, PID_FILE_FLAG, CONSENT_FLAG, ALLOW_EMPTY_FLAG];

const analyticsFlags: readonly FlagDef[] = [...LEGACY_FLAGS, CONSENT_FLAG, flag('format', 'Output format', { choices: ['text', 'json'] })];

export const TBOT_COMMANDS: readonly CommandDef[] = [
  {
    name: 'start',
    describe: 'Start the agent: renew credentials once (--oneshot) or continuously',
    flags: [],
    subcommands: [
      {
        name: 'legacy',
        isDefault: true,
        describe: 'Start from the config file and these flags (the default)',
        flags: START_LEGACY_FLAGS,
        load: startModule,
      },
      ...kindCommands(startModule, [CONSENT_FLAG, ALLOW_EMPTY_FLAG]),
    ],
  },
  {
    name: 'configure',
    describe: 'Print the YAML config that the same flags of `start` describe',
    flags: [],
    subcommands: [
      { name: 'legacy', isDefault: true, describe: 'A config from these flags (the default)', flags: [...LEGACY_FLAGS, PID_FILE_FLAG, OUTPUT_FLAG], load: configureModule },
      ...kindCommands(configureModule, [OUTPUT_FLAG]),
    ],
  },
  {
    name: 'analytics',
    describe: 'Inspect the anonymous usage analytics',
    flags: [],
    subcommands: [
      { name: 'status', describe: 'Show whether anonymous analytics is on, and which input decided', flags: analyticsFlags, load: () => import('./commands/analytics-status.js') },
      {
        name: 'preview',
        describe: 'Print the exact request `start` would send, and send nothing',
        flags: [...analyticsFlags, bool('heartbeat', 'Show the daily heartbeat of a continuous agent instead of tbot.start')],
        load: () => import('./commands/analytics-preview.js'),
      },
      {
        name: 'enable',
        describe: 'Opt in: set `anonymous_analytics: true` in the config given with -c, or print how to',
        flags: [],
        load: () => import('./commands/analytics-switch.js'),
      },
      {
        name: 'disable',
        describe: 'Opt out: set `anonymous_analytics: false` in the config given with -c, or print how to',
        flags: [],
        load: () => import('./commands/analytics-switch.js'),
      },
    ],
  },
  {
    name: 'migrate',
    describe: 'Convert a v1 config (-c) to the v2 layout, on stdout or into -o FILE',
    flags: [flag('output', 'Write the migrated config to this file (atomically) instead of stdout', { short: 'o' })],
    load: () => import('./commands/migrate.js'),
  },
  {
    name: 'kube',
    describe: 'Kubernetes helpers',
    flags: [],
    subcommands: [
      {
        name: 'credentials',
        describe: "The kubectl exec plugin: print an ExecCredential from a kubernetes output's files",
        flags: [flag('destination-dir', 'The directory of the kubernetes output whose credentials to print', { required: true })],
        load: () => import('./commands/kube-credentials.js'),
      },
    ],
  },
  {
    name: 'install',
    describe: 'Helpers for installing the agent',
    flags: [],
    subcommands: [
      {
        name: 'systemd',
        describe: 'Print (or with --write, write) a systemd unit that runs `tbot start -c CONFIG`',
        flags: [
          flag('name', 'The name of the systemd unit (default tbot)'),
          flag('user', 'The user the service runs as (default teleport)'),
          flag('group', 'The group the service runs as (default teleport)'),
          bool('force', 'Overwrite a unit file that exists with other content'),
          bool('write', 'Write the unit file; without it, print what would be written'),
          flag('systemd-directory', 'The directory the unit file goes into (default /etc/systemd/system)'),
          ...(START_LEGACY_FLAGS.includes(PID_FILE_FLAG) ? [flag('pid-file', 'The pid file the unit has tbot write and systemd watch (default /run/NAME.pid)')] : []),
          bool('anonymous-telemetry', 'Refused: a unit does not opt in to analytics; set `anonymous_analytics: true` in the config instead'),
        ],
        load: () => import('./commands/install-systemd.js'),
      },
    ],
  },
  {
    name: 'wait',
    describe: "Wait until a running agent's diagnostics service reports it ready",
    flags: [
      flag('diag-addr', 'The --diag-addr of the running agent, host:port', { required: true }),
      flag('service', 'Wait for this one output (service) only; default: all of them'),
      flag('timeout', 'Give up (exit 1) after this long, e.g. 30s; default: wait until ready'),
    ],
    load: () => import('./commands/wait.js'),
  },
  {
    name: 'init',
    describe: "Prepare an output's destination directory: create it, set its owner and mode, clean up what tbot left behind",
    flags: [
      ...ADDRESS_FLAGS,
      flag('destination-dir', 'The directory to prepare (else the one output of the config, or --init-dir)'),
      flag('owner', 'user:group to own the directory (names or ids); default: the user running tbot'),
      flag('bot-user', 'The user tbot runs as, for POSIX ACLs (this agent sets none: named in a warning)'),
      flag('reader-user', 'A user to read the files, for POSIX ACLs (this agent sets none: named in a warning)'),
      flag('init-dir', 'With several outputs in the config: the destination directory to prepare'),
      bool('clean', "Also remove what tbot left behind in it (only tbot's own leftovers; nothing else is ever removed)"),
    ],
    load: () => import('./commands/init.js'),
  },
  {
    name: 'keypair',
    describe: 'Keypairs for bound-keypair joining',
    flags: [],
    subcommands: [
      {
        name: 'create',
        describe: 'Create a keypair to preregister for bound-keypair joining, and print its public key',
        flags: [
          flag('storage', "The bot's storage to write the keypair to: a directory or file:///path (not with --static)"),
          flag('proxy-server', "The Proxy Service address (recorded, never pinged: the key is Ed25519, as in Teleport's default suite)", { required: true }),
          bool('overwrite', 'Replace a keypair already in the storage (else its public key is printed again)'),
          flag('format', 'Output format', { choices: ['text', 'json'] }),
          bool('static', 'Create a static private key instead of one kept in the storage; printed unless --static-key-path is given'),
          flag('static-key-path', 'With --static: write the private key to this file (0600) instead of printing it'),
        ],
        load: () => import('./commands/keypair-create.js'),
      },
    ],
  },
  { name: 'version', describe: 'Print the agent version', flags: [], load: () => import('./commands/version.js') },
];
