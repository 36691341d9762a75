/**
 * What an auth server counts for billing, in memory, per window: per user (15 minutes), per bot
 * instance (15 minutes) and the resources seen (one hour). The windows follow Teleport's
 * aggregating reporter (lib/usagereporter/teleport/aggregating): a window starts at the clock
 * truncated to its length, and is closed the first time the clock is seen outside
 * [start - 1 minute, start + length), so a clock stepped back by less than a minute keeps
 * counting into the open window. Pure: the caller passes the time; names stay in clear here and
 * are anonymized only when a closed window becomes a report (usage-report-build.ts).
 */

export const USER_ACTIVITY_WINDOW_MS = 15 * 60_000;
export const BOT_INSTANCE_WINDOW_MS = 15 * 60_000;
export const RESOURCE_WINDOW_MS = 60 * 60_000;
/** How far the clock may step back before the open window is closed anyway. */
export const ROLLBACK_GRACE_MS = 60_000;

export type UserKindName = 'USER_KIND_UNSPECIFIED' | 'USER_KIND_HUMAN' | 'USER_KIND_BOT';
export type ResourceKindName =
  | 'RESOURCE_KIND_NODE'
  | 'RESOURCE_KIND_APP_SERVER'
  | 'RESOURCE_KIND_KUBE_SERVER'
  | 'RESOURCE_KIND_DB_SERVER'
  | 'RESOURCE_KIND_WINDOWS_DESKTOP'
  | 'RESOURCE_KIND_NODE_OPENSSH'
  | 'RESOURCE_KIND_NODE_OPENSSH_EICE';

export const RESOURCE_KIND_NAMES: readonly ResourceKindName[] = [
  'RESOURCE_KIND_NODE',
  'RESOURCE_KIND_APP_SERVER',
  'RESOURCE_KIND_KUBE_SERVER',
  'RESOURCE_KIND_DB_SERVER',
  'RESOURCE_KIND_WINDOWS_DESKTOP',
  'RESOURCE_KIND_NODE_OPENSSH',
  'RESOURCE_KIND_NODE_OPENSSH_EICE',
];

/** tp.session.start's session_type values that Teleport's aggregator counts, and the counter each feeds. */
export const SESSION_COUNTERS = {
  ssh: 'ssh_sessions',
  app: 'app_sessions',
  k8s: 'kube_sessions',
  db: 'db_sessions',
  windows_desktop: 'desktop_sessions',
  ssh_port_v2: 'ssh_port_v2_sessions',
  k8s_port: 'kube_port_sessions',
  app_tcp: 'app_tcp_sessions',
} as const;
export type SessionType = keyof typeof SESSION_COUNTERS;

/** The uint64 counters of a UserActivityRecord this aggregator fills (proto field names). */
export const USER_COUNTERS = [
  'logins',
  'ssh_sessions',
  'app_sessions',
  'kube_sessions',
  'db_sessions',
  'desktop_sessions',
  'app_tcp_sessions',
  'kube_requests',
  'sftp_events',
  'ssh_port_v2_sessions',
  'kube_port_sessions',
  'spiffe_svids_issued',
  'bot_joins',
  'certificates_issued',
  'access_requests_created',
  'access_requests_reviewed',
] as const;
export type UserCounter = (typeof USER_COUNTERS)[number];

export const BOT_INSTANCE_COUNTERS = ['bot_joins', 'spiffe_svids_issued', 'certificates_issued'] as const;
export type BotInstanceCounter = (typeof BOT_INSTANCE_COUNTERS)[number];

/** The events an auth server hands the submitter: the ones Teleport's aggregator counts. Names in clear. */
export type UsageEvent =
  | { type: 'user.login'; user: string }
  | { type: 'session.start'; user: string; userKind?: UserKindName; sessionType: SessionType }
  | { type: 'kube.request'; user: string; userKind?: UserKindName }
  | { type: 'sftp'; user: string; userKind?: UserKindName }
  | { type: 'certificate.issued'; user: string; isBot: boolean; botInstanceId?: string }
  | { type: 'spiffe.svid.issued'; user: string; userKind?: UserKindName; spiffeId: string; botInstanceId?: string }
  /** `botName` is the bot's name; its user is `bot-<name>`, as Teleport names it. */
  | { type: 'bot.join'; botName: string; botInstanceId?: string }
  | { type: 'access_request.create'; user: string }
  | { type: 'access_request.review'; user: string }
  | { type: 'resource.heartbeat'; kind: ResourceKindName; name: string };

export interface UserTally {
  kind: UserKindName;
  counters: Partial<Record<UserCounter, number>>;
  /** SPIFFE ID → SVIDs issued. */
  spiffeIds: Map<string, number>;
}

export interface BotInstanceTally {
  botUser: string;
  instanceId: string;
  counters: Partial<Record<BotInstanceCounter, number>>;
}

/** A closed window, names still in clear. */
export type ClosedWindow =
  | { kind: 'user_activity'; start: Date; users: Map<string, UserTally> }
  | { kind: 'bot_instance_activity'; start: Date; instances: Map<string, BotInstanceTally> }
  | { kind: 'resource_presence'; start: Date; resources: Map<ResourceKindName, Set<string>> };

export interface AggregatorLimits {
  /** Distinct users (or bot instances, or resources) one window keeps; past it, events are dropped and counted. */
  maxKeysPerWindow: number;
}

export const DEFAULT_AGGREGATOR_LIMITS: AggregatorLimits = { maxKeysPerWindow: 100_000 };

/** A window's bounds and whether a time falls outside them, as Teleport decides it. */
class Window<T> {
  start: number;
  constructor(
    readonly length: number,
    now: number,
    public data: T,
  ) {
    this.start = now - (((now % length) + length) % length);
  }
  isOver(now: number): boolean {
    return now < this.start - ROLLBACK_GRACE_MS || now >= this.start + this.length;
  }
  restart(now: number, data: T): void {
    this.start = now - (((now % this.length) + this.length) % this.length);
    this.data = data;
  }
}

export const botUserName = (botName: string): string => `bot-${botName.replaceAll(' ', '-')}`;

export class UsageAggregator {
  private readonly users: Window<Map<string, UserTally>>;
  private readonly instances: Window<Map<string, BotInstanceTally>>;
  private readonly resources: Window<Map<ResourceKindName, Set<string>>>;
  private resourceCount = 0;
  /** Events dropped because a window was full. */
  dropped = 0;

  constructor(
    now: number,
    private readonly limits: AggregatorLimits = DEFAULT_AGGREGATOR_LIMITS,
  ) {
    this.users = new Window(USER_ACTIVITY_WINDOW_MS, now, new Map());
    this.instances = new Window(BOT_INSTANCE_WINDOW_MS, now, new Map());
    this.resources = new Window(RESOURCE_WINDOW_MS, now, new Map());
  }

  /** Closes every window the clock has left; returns the ones that hold something. */
  closeDue(now: number): ClosedWindow[] {
    const closed: ClosedWindow[] = [];
    if (this.users.isOver(now)) {
      if (this.users.data.size > 0) closed.push({ kind: 'user_activity', start: new Date(this.users.start), users: this.users.data });
      this.users.restart(now, new Map());
    }
    if (this.instances.isOver(now)) {
      if (this.instances.data.size > 0) closed.push({ kind: 'bot_instance_activity', start: new Date(this.instances.start), instances: this.instances.data });
      this.instances.restart(now, new Map());
    }
    if (this.resources.isOver(now)) {
      if (this.resources.data.size > 0) closed.push({ kind: 'resource_presence', start: new Date(this.resources.start), resources: this.resources.data });
      this.resources.restart(now, new Map());
      this.resourceCount = 0;
    }
    return closed;
  }

  /** Every open window that holds something, closed now (a graceful stop). */
  closeAll(): ClosedWindow[] {
    const closed: ClosedWindow[] = [];
    if (this.users.data.size > 0) closed.push({ kind: 'user_activity', start: new Date(this.users.start), users: this.users.data });
    if (this.instances.data.size > 0) closed.push({ kind: 'bot_instance_activity', start: new Date(this.instances.start), instances: this.instances.data });
    if (this.resources.data.size > 0) closed.push({ kind: 'resource_presence', start: new Date(this.resources.start), resources: this.resources.data });
    this.users.data = new Map();
    this.instances.data = new Map();
    this.resources.data = new Map();
    this.resourceCount = 0;
    return closed;
  }

  /** Counts one event into the open windows; call closeDue(now) first. False when it was dropped (a window full). */
  add(event: UsageEvent): boolean {
    switch (event.type) {
      case 'user.login':
        // Bots never log in this way: a login is a human's.
        return this.bump(event.user, 'USER_KIND_HUMAN', 'logins');
      case 'access_request.create':
        return event.user === '' || event.user === 'system' || this.bump(event.user, 'USER_KIND_HUMAN', 'access_requests_created');
      case 'access_request.review':
        return event.user === '' || event.user === 'system' || this.bump(event.user, 'USER_KIND_HUMAN', 'access_requests_reviewed');
      case 'session.start':
        return this.bump(event.user, event.userKind, SESSION_COUNTERS[event.sessionType]);
      case 'kube.request':
        return this.bump(event.user, event.userKind, 'kube_requests');
      case 'sftp':
        return this.bump(event.user, event.userKind, 'sftp_events');
      case 'certificate.issued': {
        // Teleport cannot tell a human from an unspecified user here, so only bots get a kind.
        const ok = this.bump(event.user, event.isBot ? 'USER_KIND_BOT' : 'USER_KIND_UNSPECIFIED', 'certificates_issued');
        return ok && this.bumpInstance(event.user, event.botInstanceId, 'certificates_issued');
      }
      case 'spiffe.svid.issued': {
        const ok = this.bump(event.user, event.userKind, 'spiffe_svids_issued');
        if (ok) {
          const ids = this.users.data.get(event.user)!.spiffeIds;
          ids.set(event.spiffeId, (ids.get(event.spiffeId) ?? 0) + 1);
        }
        return ok && this.bumpInstance(event.user, event.botInstanceId, 'spiffe_svids_issued');
      }
      case 'bot.join': {
        const user = botUserName(event.botName);
        const ok = this.bump(user, 'USER_KIND_BOT', 'bot_joins');
        return ok && this.bumpInstance(user, event.botInstanceId, 'bot_joins');
      }
      case 'resource.heartbeat': {
        let names = this.resources.data.get(event.kind);
        if (names?.has(event.name) === true) return true;
        if (this.resourceCount >= this.limits.maxKeysPerWindow) return this.drop();
        if (names === undefined) {
          names = new Set();
          this.resources.data.set(event.kind, names);
        }
        names.add(event.name);
        this.resourceCount += 1;
        return true;
      }
    }
  }

  private drop(): false {
    this.dropped += 1;
    return false;
  }

  private bump(user: string, kind: UserKindName | undefined, counter: UserCounter): boolean {
    const incoming = kind ?? 'USER_KIND_UNSPECIFIED';
    let tally = this.users.data.get(user);
    if (tally === undefined) {
      if (this.users.data.size >= this.limits.maxKeysPerWindow) return this.drop();
      tally = { kind: incoming, counters: {}, spiffeIds: new Map() };
      this.users.data.set(user, tally);
    }
    // An unspecified sighting never overrides a known kind; a known one replaces what was there,
    // as Teleport does (it logs a human/bot flip as a bug).
    if (incoming !== 'USER_KIND_UNSPECIFIED') tally.kind = incoming;
    tally.counters[counter] = (tally.counters[counter] ?? 0) + 1;
    return true;
  }

  private bumpInstance(botUser: string, instanceId: string | undefined, counter: BotInstanceCounter): boolean {
    if (instanceId === undefined || instanceId === '') return true;
    const key = `${botUser}\0${instanceId}`;
    let tally = this.instances.data.get(key);
    if (tally === undefined) {
      if (this.instances.data.size >= this.limits.maxKeysPerWindow) return this.drop();
      tally = { botUser, instanceId, counters: {} };
      this.instances.data.set(key, tally);
    }
    tally.counters[counter] = (tally.counters[counter] ?? 0) + 1;
    return true;
  }
}
