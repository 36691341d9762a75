/**
 * The scripted session, as data: what a user of a Connect-style desktop app does in one sitting,
 * one action per usage event. Built from the plan alone (no clock, no I/O), so the same plan always
 * gives the same session.
 */
import { fromVocabulary, isVersion } from '../../src/protocol/vocabularies.js';
import type { CaptureOf } from '../../src/reporting/index.js';
import {
  AccessRequestsCreate,
  ClusterLogin,
  ConnectionsPickerItemSelect,
  ConnectStart,
  FileTransferRun,
  TabOpen,
  WorkspaceChange,
  type CONNECT_EXTRA_SERVICE,
  type CONNECT_SERVICE,
} from './events.js';

type EventsOf<S> = S extends { events: readonly (infer E)[] } ? CaptureOf<E> : never;

export interface Platform {
  os: string;
  arch: string;
  os_version: string;
}

export interface SessionPlan {
  /** Root cluster names, in the order the user works in them; the first is where the app opens. */
  clusters: readonly string[];
  user: string;
  /** The auth connector type used to log in: local, github, saml, oidc or passwordless. */
  connector: string;
  platform: Platform;
  /** The app's own version. */
  version: string;
}

/** One user action: the event it produces, the service that carries it, and how long the user takes (in pauses). */
export type Action = { weight: number; cluster?: string } & (
  | { via: 'prehog'; event: EventsOf<typeof CONNECT_SERVICE> }
  | { via: 'extra'; event: EventsOf<typeof CONNECT_EXTRA_SERVICE> }
);

export const CONNECTOR_TYPES = ['local', 'github', 'saml', 'oidc', 'passwordless'] as const;

export function sessionActions(plan: SessionPlan): Action[] {
  const { platform, user } = plan;
  const actions: Action[] = [{ via: 'extra', weight: 0, event: ConnectStart.create({ ...platform, connect_version: plan.version }) }];
  plan.clusters.forEach((cluster, index) => {
    const here = { root_cluster_name: cluster, leaf_cluster_name: '' };
    const extra = (weight: number, event: EventsOf<typeof CONNECT_EXTRA_SERVICE>): Action => ({ via: 'extra', weight, cluster, event });
    const prehog = (weight: number, event: EventsOf<typeof CONNECT_SERVICE>): Action => ({ via: 'prehog', weight, cluster, event });
    if (index > 0) actions.push(extra(1, WorkspaceChange.create({ root_cluster_name: cluster })));
    actions.push(
      // Typing a password or going through an SSO page takes a while.
      prehog(4, ClusterLogin.create({ cluster_name: cluster, user_name: user, connector_type: plan.connector, app_version: plan.version, ...platform })),
      extra(1, TabOpen.create({ ...here, tab_kind: 'doc.cluster' })),
      extra(2, TabOpen.create({ ...here, tab_kind: 'doc.terminal_tsh_node' })),
      // Back to that SSH session later, through the connections picker.
      extra(3, ConnectionsPickerItemSelect.create({ ...here, connection_kind: 'connection.server' })),
      // A log file fetched from the server.
      prehog(2, FileTransferRun.create({ cluster_name: cluster, user_name: user, is_upload: false })),
      extra(2, TabOpen.create({ ...here, tab_kind: 'doc.access_requests' })),
      extra(3, AccessRequestsCreate.create({ root_cluster_name: cluster, kind: 'resource', requested_resources_count: 2 })),
    );
  });
  return actions;
}

/**
 * What node:os says, in the shape the contract takes: the release is kept when it is a version
 * (6.5.0-14-generic, 23.4.0, 10.0.22631), else its leading numbers, else empty (unknown); the
 * schema's `version` definition would refuse the whole event otherwise.
 */
export function platformOf(os: { platform(): string; arch(): string; release(): string }): Platform {
  const release = os.release();
  // The contract's own version shape (src/protocol/vocabularies.ts): a release it does not take is
  // cut to its leading numbers rather than sent as it is and refused.
  const version = isVersion(release) ? release : (/^\d{1,9}(?:\.\d{1,9}){0,4}/.exec(release)?.[0] ?? '');
  return { os: fromVocabulary('os', os.platform()), arch: fromVocabulary('arch', os.arch()), os_version: version };
}

/** A log line for an action: the event's name and its plain fields (names stay out of logs too). */
export function describeAction(action: Action): { message: string; fields: Record<string, string | number | boolean> } {
  const fields: Record<string, string | number | boolean> = {};
  const rules = action.event.type.rules as Readonly<Record<string, string>>;
  for (const [key, value] of Object.entries(action.event.fields as Record<string, string | number | boolean>)) {
    if (rules[key] !== 'anonymize') fields[key] = value;
  }
  return { message: action.event.type.name, fields };
}
