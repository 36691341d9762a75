/**
 * Human names for closed-vocabulary values (the lists in schemas/usage-vocabularies.schema.json):
 * `win32` reads "Windows", `doc.terminal_tsh_node` reads "Terminal (SSH)". Only what people read
 * changes: JSON and CSV keep the raw value, tables show it in brackets after the name, and pages
 * carry it as the name's tooltip. A value without a name here is shown as it is.
 */

/** Vocabularies the reports show, by their name in usage-vocabularies.schema.json. */
export type LabelledVocabulary = 'os' | 'connectorType' | 'tabKind' | 'connectionKind';

const LABELS: Readonly<Record<LabelledVocabulary, Readonly<Record<string, string>>>> = {
  os: { darwin: 'macOS', linux: 'Linux', win32: 'Windows', other: 'other OS' },
  connectorType: { local: 'local user', passwordless: 'passwordless', github: 'GitHub SSO', saml: 'SAML SSO', oidc: 'OIDC SSO', other: 'other connector' },
  tabKind: {
    'doc.blank': 'Blank tab',
    'doc.cluster': 'Cluster resources',
    'doc.access_requests': 'Access requests',
    'doc.terminal_shell': 'Terminal (local shell)',
    'doc.terminal_tsh_node': 'Terminal (SSH)',
    'doc.terminal_tsh_kube': 'Terminal (Kubernetes)',
    'doc.gateway': 'Database connection',
    'doc.gateway_cli_client': 'Database CLI client',
    'doc.gateway_kube': 'Kubernetes connection',
    'doc.connect_my_computer': 'Connect My Computer',
    'doc.authorize_web_session': 'Authorize web session',
    'doc.vnet_diag_report': 'VNet diagnostic report',
    'doc.vnet_info': 'VNet information',
    'doc.desktop_session': 'Desktop session',
    other: 'other tab',
  },
  connectionKind: {
    'connection.server': 'Server (SSH)',
    'connection.gateway': 'Database',
    'connection.kube': 'Kubernetes cluster',
    'connection.desktop': 'Desktop',
    other: 'other connection',
  },
};

/** The values each vocabulary names, for a test to hold them against the schema's lists. */
export const LABELLED: Readonly<Record<LabelledVocabulary, readonly string[]>> = Object.fromEntries(
  Object.entries(LABELS).map(([vocabulary, labels]) => [vocabulary, Object.keys(labels)]),
) as Record<LabelledVocabulary, string[]>;

/** The human name of a value, or the value itself when it has none. */
export function humanLabel(vocabulary: LabelledVocabulary, value: string): string {
  return Object.hasOwn(LABELS[vocabulary], value) ? LABELS[vocabulary][value]! : value;
}

/** For a terminal table: "Windows (win32)", or the value alone when it has no other name. */
export function labelWithRaw(vocabulary: LabelledVocabulary, value: string): string {
  const label = humanLabel(vocabulary, value);
  return label === value ? value : `${label} (${value})`;
}
