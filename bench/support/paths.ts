/** The bench-only batch method that bench/support/batch-collector.ts serves. */
export const BENCH_BATCH_PATH = '/tbotanalytics.bench.v1.BenchReportingService/SubmitHeartbeats';
