/**
 * The outside world of the fan-out benches (fan-out.ts, memory.ts): the Okta emulator and the
 * Slack stand-in in a process of their own, as Okta and Slack are elsewhere, so the measuring
 * process's CPU and memory (or the compiled server's) are Gatehouse's alone.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { createSlackWorkspace, dmChannelId, type MessageRecord, SLACK_SEED } from '@gatehouse/sandbox/slack';
import Fastify from 'fastify';
import { TEST_SECRETS } from '../test/support/test-secrets.js';

export const TOTAL = Number(process.env.FAN_OUT_REQUESTS ?? 10_000);

/**
 * Slack's limits are multiplied by this on both sides: Gatehouse's pacing (CHAT_RATE_SCALE) and
 * the stand-in's enforcement. At Slack's own one post a second, 10,000 cards in one channel take
 * 2.8 hours; at ×100 they take 100 s. Both sides scale alike, so achieved/allowed is the same
 * figure at any scale as long as Gatehouse's own work keeps up with the scaled rate.
 */
export const SCALE = Number(process.env.FAN_OUT_SCALE ?? 100);
export const APPROVALS = SLACK_SEED.channels.approvals.id;

/**
 * Who asks, and so who approves: every request is for "Slack — Member", which the requester's
 * manager approves. Bob both asks (Henry approves) and approves (for Alice and Erin).
 */
const U = SEED.users;
const S = SLACK_SEED.users;
export const REQUESTERS = [
  { okta: U.alice.id, slack: S.alice.id, approver: S.bob.id },
  { okta: U.erin.id, slack: S.erin.id, approver: S.bob.id },
  { okta: U.carol.id, slack: S.carol.id, approver: S.frank.id },
  { okta: U.bob.id, slack: S.bob.id, approver: S.henry.id },
  { okta: U.frank.id, slack: S.frank.id, approver: S.henry.id },
  { okta: U.grace.id, slack: S.grace.id, approver: S.henry.id },
] as const;
export const PEOPLE = [...new Set(REQUESTERS.flatMap((r) => [r.slack, r.approver]))];

/** What the world process says. */
export type WorldMessage =
  | { type: 'ready'; port: number }
  | { type: 'created'; ids: string[]; ms: number; rssBefore: number; rssAfter: number }
  | { type: 'progress'; posted: number }
  | { type: 'report'; report: WorldReport };

export interface WorldReport {
  /** Per conversation (the approvals channel, each person's DM): how many cards each request got. */
  cards: Record<string, [string, number][]>;
  /** Posts in those conversations that were not request cards. */
  strays: number;
  /** When each card reached the approvals channel (epoch ms), oldest first. */
  approvalsTimes: number[];
  /** When the first and the last post reached any of those conversations (epoch ms). */
  posts: { first: number; last: number };
  refusals: Record<string, number>;
  refused: number;
  tally: Record<string, { allowed: number; refused: number }>;
  rate: number;
  burst: number;
  rss: number;
}

/** `global.gc`, without starting node with --expose-gc, so memory is read with garbage collected. */
export function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The request a card is about: its "Request" field (every card role shows it). */
function requestIdOf(message: MessageRecord): string | undefined {
  for (const block of (message.blocks ?? []) as { fields?: { text?: string }[] }[]) {
    for (const field of block.fields ?? []) {
      const id = /^\*Request\*\n`([^`]+)`/.exec(field.text ?? '')?.[1];
      if (id) return id;
    }
  }
  return undefined;
}

/**
 * The Okta emulator answers as a real org does, but at 10,000 requests it is slow where Okta is
 * not: every read first re-checks every request's clock (`settle`, about 4 ms), and every list
 * clones the whole task or request list before filtering it (about 44 ms and 88 ms); creating the
 * requests one by one takes 17 s. Every sync reads a request and its task list, and every App Home
 * draw many more, so the bench would time the emulator (about 50 ms of its CPU per card at best).
 * Nothing in the org changes while the cards go out (nobody decides, nothing expires within
 * minutes), so once the requests are routed, reads are served from that one settled state: same
 * routes, filters, paging and JSON, without the per-read copies and clock sweep.
 * `FAN_OUT_OKTA_AS_IS=1` runs the emulator unchanged.
 */
function createRequestsAtOnce(org: OktaOrg, total: number): string[] {
  const asIs = process.env.FAN_OUT_OKTA_AS_IS === '1';
  const hold = () => Object.defineProperty(org, 'settle', { value: () => undefined, configurable: true });
  if (!asIs) hold();
  const ids: string[] = [];
  for (let i = 0; i < total; i++) {
    const who = REQUESTERS[i % REQUESTERS.length] as (typeof REQUESTERS)[number];
    const request = org.createRequest(
      {
        requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.slackMember.id },
        requestedFor: { type: 'OKTA_USER', externalId: who.okta },
        requesterFieldValues: [],
      },
      org.actorFor(who.okta),
    );
    ids.push(request.id);
  }
  if (asIs) {
    org.settle();
    return ids;
  }
  // Routed all at once: every request turns PENDING with its approval task in the same instant.
  delete (org as { settle?: unknown }).settle;
  org.settle();
  const tasks = org.tasks;
  const requests = org.requests;
  hold();
  Object.defineProperty(org, 'tasks', { get: () => tasks, configurable: true });
  Object.defineProperty(org, 'requests', { get: () => requests, configurable: true });
  return ids;
}

/** The world process: serves /sandbox/okta and /sandbox/slack, creates the requests, reports what arrived. */
async function world(): Promise<void> {
  const gc = collector();
  // Gatehouse runs as deployed, and production refuses the sandbox's published tokens.
  const org = createOktaOrg({ rateLimitPerMinute: 100_000_000, apiToken: TEST_SECRETS.oktaApiToken });
  const slack = createSlackWorkspace({ rateLimits: { scale: SCALE }, botToken: TEST_SECRETS.slackBotToken });
  const app = Fastify();
  await app.register(sandboxPlugin, { prefix: '/sandbox', okta: org, slack });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const send = (message: WorldMessage) => process.send?.(message);
  const posted = () => slack.rateLimits?.tally()['chat.postMessage']?.allowed ?? 0;
  process.on('message', (message: { type: string; total?: number }) => {
    if (message.type === 'create') {
      gc();
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const ids = createRequestsAtOnce(org, message.total ?? TOTAL);
      const ms = performance.now() - started;
      gc();
      send({ type: 'created', ids, ms, rssBefore, rssAfter: process.memoryUsage().rss });
    } else if (message.type === 'progress') {
      send({ type: 'progress', posted: posted() });
    } else if (message.type === 'report') {
      let strays = 0;
      const cards: Record<string, [string, number][]> = {};
      const posts = { first: Number.POSITIVE_INFINITY, last: 0 };
      for (const conversation of [APPROVALS, ...PEOPLE.map(dmChannelId)]) {
        const seen = new Map<string, number>();
        for (const card of slack.messagesIn(conversation)) {
          const at = Number(card.ts) * 1000;
          posts.first = Math.min(posts.first, at);
          posts.last = Math.max(posts.last, at);
          const id = requestIdOf(card);
          if (id) seen.set(id, (seen.get(id) ?? 0) + 1);
          else strays += 1;
        }
        cards[conversation] = [...seen];
      }
      const limits = slack.rateLimits;
      send({
        type: 'report',
        report: {
          cards,
          strays,
          approvalsTimes: slack
            .messagesIn(APPROVALS)
            .map((message) => Number(message.ts) * 1000)
            .sort((a, b) => a - b),
          posts,
          refusals: limits?.refusals() ?? {},
          refused: limits?.refused ?? 0,
          tally: limits?.tally() ?? {},
          rate: limits?.ratePerSecond('chat.postMessage') ?? SCALE,
          burst: limits?.burstOf('chat.postMessage') ?? 0,
          rss: process.memoryUsage().rss,
        },
      });
    } else if (message.type === 'exit') {
      void app.close().then(() => process.exit(0));
    }
  });
  // The bench went away (finished, or failed): so does its world.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
}

if (process.env.GATEHOUSE_FAN_OUT_WORLD === '1') void world();

/** The world process, and a way to ask it things. */
export interface World {
  port: number;
  /** Sends `type` and waits for the world's `reply`. */
  ask<T extends WorldMessage['type']>(
    type: string,
    reply: T,
    extra?: object,
  ): Promise<Extract<WorldMessage, { type: T }>>;
  stop(): void;
}

export async function startWorld(): Promise<World> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, GATEHOUSE_FAN_OUT_WORLD: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends WorldMessage['type']>(type: T) =>
    new Promise<Extract<WorldMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (message: WorldMessage) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<WorldMessage, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`the fan-out world exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { port } = await next('ready');
  return {
    port,
    ask(type, reply, extra = {}) {
      const answer = next(reply);
      child.send({ type, ...extra });
      return answer;
    },
    stop() {
      if (child.connected) child.send({ type: 'exit' });
      setTimeout(() => child.kill(), 5_000).unref();
    },
  };
}
