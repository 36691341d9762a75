/**
 * Where a user learns what analytics sends. It names a command and a README section rather than a
 * path or URL worked out from where the bundle sits, which breaks once the bundle is installed
 * somewhere else.
 */
export const WHAT_IS_SENT_SECTION = 'Anonymous analytics: what is sent';
export const WHAT_IS_SENT = `run \`tbot analytics preview\` for the exact request; the README section "${WHAT_IS_SENT_SECTION}" lists every field`;
