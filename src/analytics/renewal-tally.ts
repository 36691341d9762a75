/**
 * Renewal outcomes counted for the heartbeat. Apart from heartbeat.ts so that an agent with
 * analytics off, which still counts, loads none of the reporting code.
 */

/** Renewal outcomes since the last time they were taken. */
export class RenewalTally {
  private renewals = 0;
  private failures = 0;
  renewed(): void {
    this.renewals += 1;
  }
  failed(): void {
    this.failures += 1;
  }
  take(): { renewals: number; failures: number } {
    const counts = { renewals: this.renewals, failures: this.failures };
    this.renewals = 0;
    this.failures = 0;
    return counts;
  }
}
