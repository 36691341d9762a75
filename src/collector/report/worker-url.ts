/**
 * Where the built report-worker script is: beside the bundle that runs the report (the CLI's
 * `report` and `serve --dashboard` are the same bundle). Under tsx (dev) there is no built worker,
 * so reports run on one thread.
 */
export const REPORT_WORKER: URL | undefined = import.meta.url.endsWith('.mjs') ? new URL('./tbot-collector-report-worker.mjs', import.meta.url) : undefined;

/** The worker that folds lines it is sent (a report over PostgreSQL), beside it in the same way. */
export const LINE_FOLD_WORKER: URL | undefined = import.meta.url.endsWith('.mjs') ? new URL('./tbot-collector-line-fold-worker.mjs', import.meta.url) : undefined;

/** The reader thread of a large report over PostgreSQL, beside it in the same way. */
export const POSTGRES_READER: URL | undefined = import.meta.url.endsWith('.mjs') ? new URL('./tbot-collector-postgres-reader.mjs', import.meta.url) : undefined;
