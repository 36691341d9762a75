/**
 * What every credential output writes, as the tests expect it (tbot's identity artifacts, plus our
 * tlscacerts), written out here rather than taken from the code under test.
 */
export const IDENTITY_ARTIFACTS = [
  'identity',
  'key',
  'key-cert.pub',
  'key.pub',
  'tbot-status.json',
  'teleport-database-ca.crt',
  'teleport-host-ca.crt',
  'teleport-user-ca.crt',
  'tlscacerts',
  'tlscert',
];
