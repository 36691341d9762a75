/**
 * The product-usage members of prehog.v1alpha.TeleportReportingService's SubmitEventRequest (every
 * member that is not a Discover wizard step): which of their fields are anonymized, and their
 * PostHog names. A product event comes from an auth server, on behalf of a tenant; the Discover
 * members (discover-wire.ts) are client events and need none. Nothing here depends on the
 * collector.
 */
import type { SensitiveFields } from './anonymized.js';
import { discoverStepIndex } from './discover-wire.js';

/**
 * The anonymized fields of each event message, by message type and ProtoJSON field name, read
 * field by field from the contract's comments ("anonymized", "32 bytes (HMAC-SHA-256)"). `optional`
 * fields may be empty ("none"): a device id without device trust, a bot instance id of a human,
 * the domain of a non-AD desktop, fields that older auth servers did not send yet.
 */
export const PRODUCT_SENSITIVE: Readonly<Record<string, SensitiveFields>> = {
  'prehog.v1alpha.UserLoginEvent': { userName: 'required', deviceId: 'optional' },
  'prehog.v1alpha.MFAAuthenticationEvent': { userName: 'required', deviceId: 'optional' },
  'prehog.v1alpha.ResourceHeartbeatEvent': { resourceName: 'required' },
  'prehog.v1alpha.SessionStartEvent': { userName: 'required' },
  'prehog.v1alpha.SessionStartDesktopMetadata': { windowsDomain: 'optional' },
  'prehog.v1alpha.UserCertificateIssuedEvent': { userName: 'required', botInstanceId: 'optional' },
  'prehog.v1alpha.SPIFFESVIDIssuedEvent': { userName: 'required', spiffeId: 'required', botInstanceId: 'optional' },
  'prehog.v1alpha.UIBannerClickEvent': { userName: 'required' },
  'prehog.v1alpha.UIOnboardCompleteGoToDashboardClickEvent': { userName: 'required' },
  'prehog.v1alpha.UIOnboardAddFirstResourceClickEvent': { userName: 'required' },
  'prehog.v1alpha.UIOnboardAddFirstResourceLaterClickEvent': { userName: 'required' },
  'prehog.v1alpha.UIOnboardSetCredentialSubmitEvent': { userName: 'required' },
  'prehog.v1alpha.UIOnboardRegisterChallengeSubmitEvent': { userName: 'required' },
  'prehog.v1alpha.UIOnboardQuestionnaireSubmitEvent': { userName: 'required' },
  'prehog.v1alpha.UIRecoveryCodesContinueClickEvent': { userName: 'required' },
  'prehog.v1alpha.UIRecoveryCodesCopyClickEvent': { userName: 'required' },
  'prehog.v1alpha.UIRecoveryCodesPrintClickEvent': { userName: 'required' },
  'prehog.v1alpha.RoleCreateEvent': { userName: 'required', roleName: 'required' },
  'prehog.v1alpha.BotCreateEvent': { userName: 'required', botUserName: 'required', roleName: 'required', botName: 'optional' },
  'prehog.v1alpha.BotJoinEvent': { botName: 'required', joinTokenName: 'optional', userName: 'optional', botInstanceId: 'optional' },
  'prehog.v1alpha.UICreateNewRoleClickEvent': { userName: 'required' },
  'prehog.v1alpha.UICreateNewRoleSaveClickEvent': { userName: 'required' },
  'prehog.v1alpha.UICreateNewRoleCancelClickEvent': { userName: 'required' },
  'prehog.v1alpha.UICreateNewRoleViewDocumentationClickEvent': { userName: 'required' },
  'prehog.v1alpha.UICallToActionClickEvent': { userName: 'required' },
  'prehog.v1alpha.KubeRequestEvent': { userName: 'required' },
  'prehog.v1alpha.SFTPEvent': { userName: 'required' },
  // The contract does not call the agent's host id anonymized, but Teleport's reporter sends it
  // through the anonymizer; a clear host id is refused, an empty one accepted.
  'prehog.v1alpha.AgentMetadataEvent': { hostId: 'optional' },
  'prehog.v1alpha.AssistCompletionEvent': { userName: 'required' },
  'prehog.v1alpha.AssistExecutionEvent': { userName: 'required' },
  'prehog.v1alpha.AssistNewConversationEvent': { userName: 'required' },
  'prehog.v1alpha.AssistAccessRequestEvent': { userName: 'required' },
  'prehog.v1alpha.AssistActionEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListCreateEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListUpdateEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListDeleteEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListMemberCreateEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListMemberUpdateEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListMemberDeleteEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListGrantsToUserEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListReviewCreateEvent': { userName: 'required' },
  'prehog.v1alpha.AccessListReviewDeleteEvent': { userName: 'required' },
  'prehog.v1alpha.IntegrationEnrollMetadata': { userName: 'required' },
  'prehog.v1alpha.EditorChangeEvent': { userName: 'required' },
  'prehog.v1alpha.DeviceAuthenticateEvent': { deviceId: 'required', userName: 'required' },
  'prehog.v1alpha.DeviceEnrollEvent': { deviceId: 'required', userName: 'required' },
  'prehog.v1alpha.FeatureRecommendationEvent': { userName: 'required' },
  'prehog.v1alpha.DesktopDirectoryShareEvent': { desktop: 'required', userName: 'required', directoryName: 'required' },
  'prehog.v1alpha.DesktopClipboardEvent': { desktop: 'required', userName: 'required' },
  'prehog.v1alpha.TAGExecuteQueryEvent': { userName: 'required' },
  'prehog.v1alpha.AccessGraphSecretsScanAuthorizedKeysEvent': { hostId: 'required' },
  'prehog.v1alpha.AccessGraphSecretsScanSSHPrivateKeysEvent': { deviceId: 'required' },
  'prehog.v1alpha.SecurityReportGetResultEvent': { userName: 'required' },
  'prehog.v1alpha.AuditQueryRunEvent': { userName: 'required' },
  'prehog.v1alpha.DatabaseUserCreatedEvent': { userName: 'required' },
  'prehog.v1alpha.DatabaseUserPermissionsUpdateEvent': { userName: 'required' },
  'prehog.v1alpha.SessionRecordingAccessEvent': { userName: 'required' },
};

/**
 * Values of Teleport's own vocabularies that the free-text screen would take for a host name
 * (`node.openssh` is a resource type, not a machine): kept as they are wherever they appear.
 */
export const PRODUCT_VOCABULARY: ReadonlySet<string> = new Set([
  'node.openssh',
  'node.openssh_ec2_ice',
  'node.openssh-ec2-ice',
  // Values the free-text screen (an allow-list of error words) would otherwise redact, though they
  // name nothing: SVID kinds, SSO connector kinds, session kinds and their protocols as Teleport's
  // auth server writes them. Anything not listed is screened, so a value missing here is redacted
  // (and counted), never stored as sent.
  'x509',
  'jwt',
  'local',
  'saml',
  'oidc',
  'github',
  'ssh',
  'k8s',
  'kube',
  'db',
  'app',
  'app_tcp',
  'desktop',
  'windows_desktop',
  'linux_desktop',
  'tcp',
  'postgres',
  'mysql',
  'mongodb',
  'redis',
  'sqlserver',
  'snowflake',
  'cassandra',
  'elasticsearch',
  'opensearch',
  'dynamodb',
  'clickhouse',
  'spanner',
  'cockroachdb',
]);

/** The request's own anonymized field, as for Discover. */
export const PRODUCT_REQUEST_SENSITIVE: SensitiveFields = { clusterName: 'required' };

/** A member is product usage (needs a tenant) unless it is a Discover wizard step. */
export const isProductMember = (jsonName: string): boolean => discoverStepIndex(jsonName) === undefined;

/**
 * PostHog event names the contract's comments give (the members' ProtoJSON names). A member
 * without one goes out as `tp.` + its proto field name (ours, documented in docs/product-usage.md).
 */
export const PRODUCT_POSTHOG_NAMES: Readonly<Record<string, string>> = {
  userLogin: 'tp.user.login',
  sessionStart: 'tp.session.start',
  sessionStartV2: 'tp.session.start',
  userCertificateIssuedEvent: 'tp.certificate.issued',
  spiffeSvidIssued: 'tp.spiffe.svid.issued',
  kubeRequest: 'tp.kube.request',
  sftp: 'tp.sftp',
  resourceHeartbeat: 'tp.resource.hb',
  deviceEnrollEvent: 'tp.device.enroll',
  featureRecommendationEvent: 'tp.ui.feature.recommendation',
  licenseLimitEvent: 'tp.license.limit',
  sessionRecordingAccess: 'tp.recording.access',
  userTaskState: 'tp.usertask.state',
};

/** What a stored `teleport` record holds. The tenant stands apart from the anonymized request. */
export interface StoredTeleportEvent {
  tenant: string;
  /** Canonical ProtoJSON of the SubmitEventRequest, its timestamp filled in. */
  request: Record<string, unknown>;
  /** A member this collector does not declare: its field number and its bytes (base64). */
  unknown?: { number: number; bytes: string };
}

/** How reports and metrics name a member this collector does not declare. */
export const unknownEventLabel = (number: number): string => `unknown event ${number}`;
