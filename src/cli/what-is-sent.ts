/**
 * Where a user learns what analytics sends. It names a command and a docs page (by its title and its
 * place in the repository) rather than a path or URL worked out from where the bundle sits, which
 * breaks once the bundle is installed somewhere else.
 */
export const WHAT_IS_SENT_SECTION = 'Anonymous analytics: what is sent';
export const WHAT_IS_SENT = `run \`tbot analytics preview\` for the exact request; the docs page "${WHAT_IS_SENT_SECTION}" (docs/analytics.md) lists every field`;
