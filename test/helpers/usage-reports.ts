/**
 * prehog.v1 usage reports built from the real descriptors (create / toBinary), accepted by the
 * real SubmitUsageReports service for a tenant, and written as stored lines into a day segment:
 * what the billing report reads. Deliberately bypasses the store's at-most-once index, so tests
 * can put a repeated report on disk twice.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { createUsageReportService } from '../../src/collector/ingest/services/usage-reports.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { USAGE_REQUEST } from '../../src/protocol/usage-wire.js';
import { anon } from './usage-events.js';

const bytes = (name: string): Uint8Array => Buffer.from(anon(name), 'base64');
/** A report uuid derived from a name, so a test can send "the same report" again. */
const uuidBytes = (name: string): Uint8Array => createHash('sha256').update(name).digest().subarray(0, 16);

export interface UserSpec {
  user: string;
  /** 0 unspecified, 1 human, 2 bot, 3 system (or a number the contract does not name). */
  kind?: number;
  logins?: number;
  ssh?: number;
  kube?: number;
  db?: number;
  app?: number;
  appTcp?: number;
  desktop?: number;
  linuxDesktop?: number;
  svids?: number;
  certificates?: number;
  botJoins?: number;
}

interface ReportBase {
  /** Names the report_uuid: the same name is the same report. */
  id: string;
  /** The reporting auth server (reporter_hostid). */
  host: string;
  start: string;
  cluster?: string;
}

export type ReportSpec =
  | (ReportBase & { kind: 'user'; users: UserSpec[] })
  | (ReportBase & { kind: 'bot'; instances: string[] })
  | (ReportBase & { kind: 'resource'; resources: { kind: number; ids: bigint[] }[] });

function base(spec: ReportBase): Record<string, unknown> {
  return { reportUuid: uuidBytes(spec.id), clusterName: bytes(spec.cluster ?? 'prod'), reporterHostid: bytes(spec.host), startTime: timestampFromMs(Date.parse(spec.start)) };
}

const big = (value: number | undefined): bigint => BigInt(value ?? 0);

/** One SubmitUsageReportsRequest (at most 10 reports) in binary, as an auth server sends it. */
export function usageRequest(specs: readonly ReportSpec[]): Buffer {
  const init = { userActivity: [] as unknown[], resourcePresence: [] as unknown[], botInstanceActivity: [] as unknown[] };
  for (const spec of specs) {
    if (spec.kind === 'user')
      init.userActivity.push({
        ...base(spec),
        records: spec.users.map((user) => ({
          userName: bytes(user.user),
          userKind: user.kind ?? 0,
          logins: big(user.logins),
          sshSessions: big(user.ssh),
          kubeSessions: big(user.kube),
          dbSessions: big(user.db),
          appSessions: big(user.app),
          appTcpSessions: big(user.appTcp),
          desktopSessions: big(user.desktop),
          linuxDesktopSessions: big(user.linuxDesktop),
          spiffeSvidsIssued: big(user.svids),
          certificatesIssued: big(user.certificates),
          botJoins: big(user.botJoins),
        })),
      });
    else if (spec.kind === 'bot')
      init.botInstanceActivity.push({ ...base(spec), records: spec.instances.map((instance) => ({ botInstanceId: bytes(instance), botUserName: bytes('bot-ci'), botJoins: 1n })) });
    else init.resourcePresence.push({ ...base(spec), resourceKindReports: spec.resources.map((kind) => ({ resourceKind: kind.kind, resourceIds: kind.ids })) });
  }
  return Buffer.from(toBinary(messageSchema(USAGE_REQUEST), create(messageSchema(USAGE_REQUEST), init as never)));
}

const service = createUsageReportService();

/** The stored lines the collector writes for these reports of `tenant`, received at `receivedAt`. */
export function storedUsageLines(tenant: string, specs: readonly ReportSpec[], receivedAt: Date): string[] {
  const lines: string[] = [];
  for (let start = 0; start < specs.length; start += 10) {
    const accepted = service.accept('proto', usageRequest(specs.slice(start, start + 10)), receivedAt, { tenant });
    for (const event of accepted.events) lines.push(JSON.stringify({ received_at: receivedAt.toISOString(), family: 'usage', event }));
  }
  return lines;
}

/** Appends the reports, as stored, to the day segment of `receivedAt` in `dir`. */
export async function storeUsageReports(dir: string, tenant: string, specs: readonly ReportSpec[], receivedAt: Date): Promise<void> {
  await writeFile(join(dir, segmentName(receivedAt)), `${storedUsageLines(tenant, specs, receivedAt).join('\n')}\n`, { flag: 'a' });
}
