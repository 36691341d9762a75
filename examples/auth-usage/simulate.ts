/**
 * The simulated cluster: humans, bots (each with bot instances) and resources over D days, and
 * every event its auth servers would count, in time order. Seeded, so one seed is one history
 * byte for byte; each event goes to one auth server, as each real event is handled by one.
 */
import type { ResourceKindName, SessionType, UsageEvent } from '../../src/reporting/index.js';
import { RESOURCE_KIND_NAMES } from '../../src/reporting/index.js';
import { mulberry32, seededUuid } from '../shared/prng.js';

export interface SimulationPlan {
  seed: number;
  humans: number;
  bots: number;
  resources: number;
  days: number;
  /** The first instant simulated, in ms (UTC). */
  start: number;
  authServers: number;
}

export interface SimEvent {
  at: number;
  /** 0-based index of the auth server that handles it. */
  server: number;
  event: UsageEvent;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RENEWAL = 20 * 60_000;
const SESSION_TYPES: readonly SessionType[] = ['ssh', 'ssh', 'ssh', 'k8s', 'db', 'app', 'app_tcp', 'windows_desktop', 'ssh_port_v2', 'k8s_port'];

export function simulate(plan: SimulationPlan): SimEvent[] {
  const random = mulberry32(plan.seed);
  const int = (below: number): number => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const end = plan.start + plan.days * DAY;
  const events: SimEvent[] = [];
  const push = (at: number, event: UsageEvent): void => {
    if (at >= plan.start && at < end) events.push({ at, server: int(plan.authServers), event });
  };

  // Humans: on each day a human is active with some chance; an active day starts with a login.
  for (let index = 0; index < plan.humans; index += 1) {
    const user = `user-${String(index + 1).padStart(3, '0')}`;
    const activity = 0.3 + random() * 0.6;
    for (let day = 0; day < plan.days; day += 1) {
      if (random() > activity) continue;
      let at = plan.start + day * DAY + int(DAY - 4 * HOUR);
      push(at, { type: 'user.login', user });
      push(at + 1_000, { type: 'certificate.issued', user, isBot: false });
      const actions = int(8);
      for (let action = 0; action < actions; action += 1) {
        at += 1_000 + int(HOUR / 2);
        const roll = random();
        if (roll < 0.6) push(at, { type: 'session.start', user, userKind: 'USER_KIND_HUMAN', sessionType: pick(SESSION_TYPES) });
        else if (roll < 0.75) push(at, { type: 'kube.request', user, userKind: 'USER_KIND_HUMAN' });
        else if (roll < 0.85) push(at, { type: 'sftp', user, userKind: 'USER_KIND_HUMAN' });
        else if (roll < 0.92) push(at, { type: 'access_request.create', user });
        else push(at, { type: 'access_request.review', user });
      }
    }
  }

  // Bots: each has one or two instances that join once a day and renew every 20 minutes (tbot's
  // default renewal interval); every other bot
  // also gets SVIDs. A bot's first instance runs throughout, a second one comes and goes.
  for (let index = 0; index < plan.bots; index += 1) {
    const botName = `robot-${String(index + 1).padStart(2, '0')}`;
    const user = `bot-${botName}`;
    const instances = 1 + int(2);
    const svids = index % 2 === 0;
    for (let instance = 0; instance < instances; instance += 1) {
      const instanceId = seededUuid(random);
      const from = instance === 0 ? plan.start : plan.start + int(plan.days * DAY * 0.6);
      const until = instance === 0 ? end : Math.min(end, from + DAY + int(plan.days * DAY));
      const offset = int(RENEWAL);
      for (let at = from; at < until; at += RENEWAL) {
        if ((at - from) % DAY < RENEWAL) push(at, { type: 'bot.join', botName, botInstanceId: instanceId });
        push(at + offset, { type: 'certificate.issued', user, isBot: true, botInstanceId: instanceId });
        if (svids)
          push(at + offset + 7_000, {
            type: 'spiffe.svid.issued',
            user,
            userKind: 'USER_KIND_BOT',
            spiffeId: `spiffe://sim.example.com/svc/${index}`,
            botInstanceId: instanceId,
          });
      }
    }
  }

  // Resources: each heartbeats every 10 minutes while it is up; some come and go.
  for (let index = 0; index < plan.resources; index += 1) {
    const kind: ResourceKindName = RESOURCE_KIND_NAMES[index % RESOURCE_KIND_NAMES.length]!;
    const name = `${kind.slice('RESOURCE_KIND_'.length).toLowerCase()}-${index + 1}`;
    const always = random() < 0.5;
    const from = always ? plan.start : plan.start + int(plan.days * DAY);
    const until = always ? end : Math.min(end, from + HOUR + int((plan.days * DAY) / 2));
    for (let at = from + int(10 * 60_000); at < until; at += 10 * 60_000) push(at, { type: 'resource.heartbeat', kind, name });
  }

  // Stable: equal times keep the order they were made in.
  return events
    .map((event, seq) => ({ event, seq }))
    .sort((a, b) => a.event.at - b.event.at || a.seq - b.seq)
    .map(({ event }) => event);
}
