/**
 * Typed errors. The CLI maps each class to an exit code and a message; nothing downstream
 * parses error strings.
 */

export abstract class TbotError extends Error {
  abstract readonly exitCode: number;
  override name = 'TbotError';
}

/** Where a bad value came from: a place in the YAML file, or a command-line flag. */
export type IssueOrigin =
  | { kind: 'file'; file: string; line: number; col: number }
  | { kind: 'file-unplaced'; file: string }
  | { kind: 'flag'; flag: string }
  | { kind: 'command'; command: string }
  | { kind: 'default' };

export interface ConfigIssue {
  origin: IssueOrigin;
  /** Field path such as `outputs[0].destination.path`; empty for the document itself. */
  field: string;
  problem: string;
  expected?: string;
}

export function formatOrigin(origin: IssueOrigin): string {
  switch (origin.kind) {
    case 'file':
      return `${origin.file}:${origin.line}:${origin.col}`;
    case 'file-unplaced':
      return origin.file;
    case 'flag':
      return `flag ${origin.flag}`;
    case 'command':
      return `command \`${origin.command}\``;
    case 'default':
      return 'defaults';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const field = issue.field === '' ? '(document)' : issue.field;
  const expected = issue.expected === undefined ? '' : `; expected ${issue.expected}`;
  return `${formatOrigin(issue.origin)}: ${field}: ${issue.problem}${expected}`;
}

/** How many problems are listed one by one; a config with thousands of bad keys gets a count for the rest. */
export const MAX_LISTED_ISSUES = 20;

/** The first MAX_LISTED_ISSUES issues as lines, then `and N more problems`. */
export function formatIssueList(issues: readonly ConfigIssue[]): string[] {
  const lines = issues.slice(0, MAX_LISTED_ISSUES).map(formatIssue);
  const more = issues.length - lines.length;
  if (more > 0) lines.push(`and ${more} more ${more === 1 ? 'problem' : 'problems'}`);
  return lines;
}

/** The command line itself is wrong (unknown flag or command, missing value). */
export class UsageError extends TbotError {
  readonly exitCode = 2;
  override name = 'UsageError';
}

/** The configuration (file plus flags) is unusable. Raised before anything is written or sent. */
export class ConfigError extends TbotError {
  readonly exitCode = 1;
  override name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(formatIssueList(issues).join('\n'));
  }
}

/**
 * Some of the config is valid tbot that needs a Teleport cluster (or a Kubernetes API, AWS, FIPS).
 * Its issues lead with those explanations; any other problems of the config follow.
 */
export class ClusterOnlyError extends ConfigError {
  override name = 'ClusterOnlyError';
}

/** Valid tbot that this agent cannot carry out on any host (ACLs it does not set): only `start` refuses it. */
export class NotRunnableHereError extends ConfigError {
  override name = 'NotRunnableHereError';
}

/** The config file could not be read at all. */
export class ConfigReadError extends TbotError {
  readonly exitCode = 1;
  override name = 'ConfigReadError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: cannot read config: ${reason}`);
  }
}

/**
 * A one-shot run with no output would write nothing and exit 0: a CI job would go green with no
 * credentials. It fails instead, unless --allow-empty (or `start noop`) says an empty run is meant.
 */
export class EmptyOneShotError extends TbotError {
  readonly exitCode = 1;
  override name = 'EmptyOneShotError';
  constructor() {
    super(
      'this one-shot run has no outputs, so it would write nothing; it fails rather than let a CI job pass without credentials.\n' +
        '  Add an output under `services:` in the config (or start with one, e.g. `tbot start identity --destination ./.tbot/identity --oneshot`),\n' +
        '  or pass --allow-empty if a run that writes nothing is what you mean.',
    );
  }
}

/** A renewal cycle failed; the agent exits non-zero in one-shot mode. */
export class RenewalError extends TbotError {
  readonly exitCode = 1;
  override name = 'RenewalError';
  constructor(
    readonly output: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`renewal failed for ${output}: ${reason}`, options);
  }
}

/** The local certificate authority in storage cannot be created or read. */
export class CertificateAuthorityError extends TbotError {
  readonly exitCode = 1;
  override name = 'CertificateAuthorityError';
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`certificate authority ${path}: ${reason}`, options);
  }
}

/** The analytics endpoint is not acceptable. Analytics is skipped; the agent carries on. */
export class EndpointError extends TbotError {
  readonly exitCode = 0;
  override name = 'EndpointError';
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`analytics endpoint from ${source} rejected: ${reason}`);
  }
}
