/** The .proto files under schemas/ that the collector serves; imports are pulled in with them. */
export const PROTO_FILES = ['prehog/v1alpha/tbot.proto', 'tbotanalytics/v1/tbot_batch.proto', 'tbotanalytics/v1/agent.proto'] as const;
