/** The .proto files under schemas/ that the collector serves; imports are pulled in with them. */
export const PROTO_FILES = [
  'prehog/v1alpha/tbot.proto',
  'tbotanalytics/v1/tbot_batch.proto',
  'tbotanalytics/v1/agent.proto',
  'prehog/v1alpha/connect.proto',
  'prehog/v1alpha/teleport.proto',
  'prehog/v1/teleport.proto',
  'tbotanalytics/connect/v1/connect_extra.proto',
] as const;
