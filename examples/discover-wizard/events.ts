/**
 * The Discover wizard's events as the reporter knows them: one event type per UIDiscover* member
 * of Teleport's SubmitEventRequest (named by discover-wire's step table), all with the same flat
 * fields, and TeleportReportingService with its SubmitEvents batch method.
 */
import {
  DISCOVER_STEPS,
  MAX_DISCOVER_BATCH,
  STARTED_STEP,
  SUBMIT_EVENT_PATH,
  SUBMIT_EVENTS_PATH,
  type DiscoverStatusName,
  type DiscoverStep,
} from '../../src/protocol/discover-wire.js';
import { defineEventType, defineService, schemaCheck, type EventType, type FieldRules, type RequestMeta } from '../../src/reporting/index.js';
import { lazyValidator } from '../shared/schemas.js';
import { batchCheck, batchOf } from '../shared/services.js';

export interface DiscoverFields {
  /** The request's cluster, and the user running the wizard: both sent only anonymized. */
  cluster_name: string;
  user_name: string;
  /** The auth server's version, as Teleport puts it on each request. */
  teleport_version: string;
  /** The wizard run's id, a random UUID shared by all its events: what ties a funnel together. */
  run_id: string;
  sso: boolean;
  /** DISCOVER_RESOURCE_*; not sent with `started`, which comes before the user picks one. */
  resource: string;
  status: DiscoverStatusName;
  /** Free text from the UI for DISCOVER_STATUS_ERROR; the collector screens it before keeping it. */
  error: string;
  /** The extra fields a few steps carry. */
  deploy_method?: 'DEPLOY_METHOD_AUTO' | 'DEPLOY_METHOD_MANUAL';
  deploy_type?: 'DEPLOY_TYPE_INSTALL_SCRIPT' | 'DEPLOY_TYPE_AMAZON_ECS';
  config_method?: string;
  resources_count?: number;
  selected_resources_count?: number;
}

const RULES: FieldRules<DiscoverFields> = {
  cluster_name: 'anonymize',
  user_name: 'anonymize',
  teleport_version: 'plain',
  run_id: 'plain',
  resource: 'plain',
  status: 'plain',
  error: 'plain',
  deploy_method: 'plain',
  deploy_type: 'plain',
  config_method: 'plain',
};

/** What the steps with more than metadata, resource and status add (int64 counts are strings in ProtoJSON). */
const EXTRAS: Readonly<Record<string, (fields: DiscoverFields) => object>> = {
  uiDiscoverDeployServiceEvent: (fields) => ({ deployMethod: fields.deploy_method ?? 'DEPLOY_METHOD_UNSPECIFIED', deployType: fields.deploy_type ?? 'DEPLOY_TYPE_UNSPECIFIED' }),
  uiDiscoverDatabaseRdsEnrollEvent: (fields) => ({ selectedResourcesCount: String(fields.selected_resources_count ?? 0) }),
  uiDiscoverAutoDiscoveredResourcesEvent: (fields) => ({ resourcesCount: String(fields.resources_count ?? 0) }),
  uiDiscoverCreateDiscoveryConfig: (fields) => ({ configMethod: fields.config_method ?? 'CONFIG_METHOD_UNSPECIFIED' }),
};

function toWire(step: DiscoverStep, fields: DiscoverFields): object {
  const event = {
    metadata: { id: fields.run_id, userName: fields.user_name, sso: fields.sso },
    ...(step === DISCOVER_STEPS[STARTED_STEP] ? {} : { resource: { resource: fields.resource } }),
    status: { status: fields.status, error: fields.error },
    ...EXTRAS[step.member]?.(fields),
  };
  return { clusterName: fields.cluster_name, teleportVersion: fields.teleport_version, [step.member]: event };
}

/** One event type per step, by oneof member. */
export const DISCOVER_EVENTS: ReadonlyMap<string, EventType<DiscoverFields>> = new Map(
  DISCOVER_STEPS.map((step) => [step.member, defineEventType<DiscoverFields>({ name: step.posthogName, fields: RULES, toWire: (fields) => toWire(step, fields) })]),
);

/** SubmitEventRequest carries no distinct id: the run id is in each event's metadata. */
const request = ({ timestamp }: RequestMeta, wire: unknown): unknown => ({ ...(wire as object), timestamp });

export const DISCOVER_SERVICE = defineService({
  name: 'prehog.v1alpha.TeleportReportingService',
  events: [...DISCOVER_EVENTS.values()],
  single: { path: SUBMIT_EVENT_PATH, request, check: schemaCheck(lazyValidator('validateSubmitDiscoverEvent')) },
  batch: { path: SUBMIT_EVENTS_PATH, max: MAX_DISCOVER_BATCH, request: batchOf, check: batchCheck(MAX_DISCOVER_BATCH) },
});
