// A node:test reporter that writes one JSON line per test file when the file is done:
// {"file":"/abs/path.test.ts","ms":1234.5,"passed":true}. scripts/run-tests.mjs adds it beside
// the spec reporter, so every run knows how long each file took, which is what orders the next
// run's files (test/test-weights.json). Node built-ins only, like the runner.

/**
 * @param {AsyncIterable<{ type: string, data: { name?: string, file?: string, details?: { duration_ms?: number, passed?: boolean } } }>} source
 * @returns {AsyncGenerator<string>}
 */
export default async function* testTimes(source) {
  for await (const event of source) {
    // The runner reports each file as a test named after its path; a file's own tests carry its path in `file` only.
    if (event.type !== 'test:complete' || event.data.file === undefined || event.data.name !== event.data.file) continue;
    yield `${JSON.stringify({ file: event.data.file, ms: event.data.details?.duration_ms ?? 0, passed: event.data.details?.passed ?? false })}\n`;
  }
}
