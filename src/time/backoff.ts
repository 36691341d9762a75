/** Capped exponential backoff, shared by the agent's renewal retries and the PostHog forwarder. */
export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
}

/** The wait before retry number `attempt` (1-based): first, 2×first, 4×first … never above max. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.firstMs * 2 ** Math.max(0, attempt - 1), policy.maxMs);
}
