/**
 * The Connect events this session sends, and the two services that carry them. Teleport's
 * prehog.v1alpha.ConnectReportingService has the login and the file transfer, one call per event
 * (it has no batch method). Our tbotanalytics.connect.v1.ConnectExtraReportingService has the
 * design's other events (start, tabs, the connections picker, access requests with their count),
 * sent in batches. Every request is checked against the JSON Schema the collector applies.
 */
import {
  connectEventSpec,
  MAX_CONNECT_EXTRA_BATCH,
  SUBMIT_CONNECT_EVENT_PATH,
  SUBMIT_CONNECT_EXTRA_EVENT_PATH,
  SUBMIT_CONNECT_EXTRA_EVENTS_PATH,
} from '../../src/protocol/connect-wire.js';
import { defineEventType, defineService, schemaCheck } from '../../src/reporting/index.js';
import { lazyValidator } from '../shared/schemas.js';
import { batchCheck, batchOf, withDistinctId } from '../shared/services.js';

/** The product-metrics name of a oneof member, from the one table the collector reads too. */
const nameOf = (member: string): string => {
  const spec = connectEventSpec(member);
  if (spec === undefined) throw new Error(`connect-wire has no member ${member}`);
  return spec.posthogName;
};

interface Platform {
  os: string;
  arch: string;
  os_version: string;
}

export const ConnectStart = defineEventType<Platform & { connect_version: string }>({
  name: nameOf('start'),
  fields: { os: 'plain', arch: 'plain', os_version: 'plain', connect_version: 'plain' },
  toWire: (event) => ({ start: { os: event.os, arch: event.arch, osVersion: event.os_version, connectVersion: event.connect_version } }),
});

export const ClusterLogin = defineEventType<Platform & { cluster_name: string; user_name: string; connector_type: string; app_version: string }>({
  name: nameOf('clusterLogin'),
  fields: { cluster_name: 'anonymize', user_name: 'anonymize', connector_type: 'plain', os: 'plain', arch: 'plain', os_version: 'plain', app_version: 'plain' },
  toWire: (event) => ({
    clusterLogin: {
      clusterName: event.cluster_name,
      userName: event.user_name,
      connectorType: event.connector_type,
      arch: event.arch,
      os: event.os,
      osVersion: event.os_version,
      appVersion: event.app_version,
    },
  }),
});

export const FileTransferRun = defineEventType<{ cluster_name: string; user_name: string; is_upload: boolean }>({
  name: nameOf('fileTransferRun'),
  fields: { cluster_name: 'anonymize', user_name: 'anonymize' },
  toWire: (event) => ({ fileTransferRun: { clusterName: event.cluster_name, userName: event.user_name, isUpload: event.is_upload } }),
});

export const WorkspaceChange = defineEventType<{ root_cluster_name: string }>({
  name: nameOf('workspaceChange'),
  fields: { root_cluster_name: 'anonymize' },
  toWire: (event) => ({ workspaceChange: { rootClusterName: event.root_cluster_name } }),
});

/** Empty `leaf_cluster_name`: the root cluster itself (the reporter leaves an empty value empty). */
interface InCluster {
  root_cluster_name: string;
  leaf_cluster_name: string;
}

export const TabOpen = defineEventType<InCluster & { tab_kind: string }>({
  name: nameOf('tabOpen'),
  fields: { root_cluster_name: 'anonymize', leaf_cluster_name: 'anonymize', tab_kind: 'plain' },
  toWire: (event) => ({ tabOpen: { rootClusterName: event.root_cluster_name, leafClusterName: event.leaf_cluster_name, tabKind: event.tab_kind } }),
});

export const ConnectionsPickerItemSelect = defineEventType<InCluster & { connection_kind: string }>({
  name: nameOf('connectionsPickerItemSelect'),
  fields: { root_cluster_name: 'anonymize', leaf_cluster_name: 'anonymize', connection_kind: 'plain' },
  toWire: (event) => ({
    connectionsPickerItemSelect: { rootClusterName: event.root_cluster_name, leafClusterName: event.leaf_cluster_name, connectionKind: event.connection_kind },
  }),
});

export const AccessRequestsCreate = defineEventType<{ root_cluster_name: string; kind: 'role' | 'resource'; requested_resources_count: number }>({
  name: nameOf('accessRequestsCreate'),
  fields: { root_cluster_name: 'anonymize', kind: 'plain' },
  toWire: (event) => ({ accessRequestsCreate: { rootClusterName: event.root_cluster_name, kind: event.kind, requestedResourcesCount: event.requested_resources_count } }),
});

export const CONNECT_SERVICE = defineService({
  name: 'prehog.v1alpha.ConnectReportingService',
  events: [ClusterLogin, FileTransferRun],
  single: { path: SUBMIT_CONNECT_EVENT_PATH, request: withDistinctId, check: schemaCheck(lazyValidator('validateSubmitConnectEvent')) },
});

export const CONNECT_EXTRA_SERVICE = defineService({
  name: 'tbotanalytics.connect.v1.ConnectExtraReportingService',
  events: [ConnectStart, WorkspaceChange, TabOpen, ConnectionsPickerItemSelect, AccessRequestsCreate],
  single: { path: SUBMIT_CONNECT_EXTRA_EVENT_PATH, request: withDistinctId, check: schemaCheck(lazyValidator('validateSubmitConnectExtraEvent')) },
  batch: { path: SUBMIT_CONNECT_EXTRA_EVENTS_PATH, max: MAX_CONNECT_EXTRA_BATCH, request: batchOf, check: batchCheck(MAX_CONNECT_EXTRA_BATCH) },
});
