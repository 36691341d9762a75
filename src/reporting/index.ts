/**
 * tbot-analytics/reporting: the client side of the metrics system, for the agent and for any app
 * that reports usage (a Connect-style desktop app, a wizard). See docs/reporting-library.md.
 * Everything here speaks ProtoJSON over the Connect protocol; no protobuf
 * runtime or descriptor is loaded.
 */
export { ANONYMIZED, AnonymizerKeyError, CLUSTER_KEY_BYTES, CLUSTER_KEYS_DIR, ClusterKeys, HmacAnonymizer, type Anonymizer } from './anonymizer.js';
export { defaultAppDataDir } from './app-data.js';
export {
  CONSENT_FILE,
  CONSENT_PROMPT,
  CONSENT_PROMPT_VERSION,
  ConsentStore,
  fixedConsent,
  MAX_CONSENT_FILE_BYTES,
  type ConsentAnswer,
  type ConsentAnswerOutcome,
  type ConsentRecord,
  type ConsentSource,
  type ConsentState,
  type ConsentStoreOptions,
} from './consent.js';
export { DO_NOT_TRACK, doNotTrackIsSet } from './do-not-track.js';
export {
  defineEventType,
  EventTypeDefinitionError,
  type AnyEventType,
  type EventFields,
  type EventType,
  type EventTypeDefinition,
  type FieldRule,
  type FieldRules,
  type FieldValue,
  type NameLikeKey,
  type ReporterEvent,
  type StringFieldKey,
} from './event-type.js';
export { DISTINCT_ID_FILE, EphemeralDistinctId, PerEventDistinctId, PersistedDistinctId, UUID_V4, type DistinctIdSource } from './identity.js';
export {
  createReporter,
  DEFAULT_BATCH,
  DEFAULT_CLOSE_DEADLINE_MS,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  renderSingle,
  ReporterConfigError,
  type BatchOptions,
  type CaptureOf,
  type CaptureOptions,
  type Clock,
  type CloseOptions,
  type CloseResult,
  type Preview,
  type Reporter,
  type ReporterLogger,
  type ReporterOptions,
  type ReporterStats,
} from './reporter.js';
export { defineService, schemaCheck, ServiceDefinitionError, type RequestCheck, type RequestMeta, type SchemaValidator, type ServiceDescriptor } from './service.js';
export { httpTransport, type HttpRequest, type SendOptions, type SendOutcome, type Transport } from './transport.js';
export {
  BOT_INSTANCE_WINDOW_MS,
  botUserName,
  RESOURCE_KIND_NAMES,
  RESOURCE_WINDOW_MS,
  ROLLBACK_GRACE_MS,
  SESSION_COUNTERS,
  USER_ACTIVITY_WINDOW_MS,
  USER_COUNTERS,
  type ResourceKindName,
  type SessionType,
  type UsageEvent,
  type UserKindName,
} from './usage-aggregator.js';
export { ReportTooLargeError, resourceId } from './usage-report-build.js';
export { SpoolFileError } from './usage-spool-check.js';
export { DEFAULT_SPOOL_LIMITS, type SpoolLimits } from './usage-spool.js';
export {
  CHECK_INTERVAL_MS,
  createUsageSubmitter,
  RETRY_MIN_MS,
  SEND_INTERVAL_MS,
  USAGE_REQUEST_TIMEOUT_MS,
  UsageSubmitterConfigError,
  type UsageCloseResult,
  type UsageLogger,
  type UsageSubmitter,
  type UsageSubmitterOptions,
  type UsageSubmitterStats,
} from './usage-submitter.js';
export { loadClientTls, mtlsTransport, TlsFileError, type MtlsFiles } from './usage-transport.js';
