import { randomUUID } from 'node:crypto';
import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import {
  createSlackWorkspace,
  type MessageRecord,
  SLACK_SEED,
  SlackDriver,
  type SlackWorkspace,
} from '@gatehouse/sandbox/slack';
import { createTeamsTenant, TEAMS_SEED, TeamsDriver, type TeamsTenant } from '@gatehouse/sandbox/teams';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../src/app.js';
import { loadConfig, SANDBOX_SECRETS } from '../../src/config.js';
import type { RequestView } from '../../src/flows/index.js';
import { freePort } from '../support/free-port.js';
import { testLogger } from '../support/test-logger.js';

/**
 * Three Gatehouse replicas on one Redis (shared store, BullMQ queues, rate budgets), one Okta org,
 * one Slack workspace and one Teams tenant, as a company would run it. 200 requests are made and
 * decided in random order (a seeded generator, so a failure can be replayed): some in Slack, some
 * in Teams, some straight in the Okta portal; Okta's event hooks reach a random replica, or not at
 * all, and every replica polls. Half-way through, one replica dies without handing anything over.
 * Then what the stand-ins received is counted: nothing twice, nothing missing, every card showing
 * how its request ended.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUESTS = 200;
const SEED_NUMBER = Number(process.env.REPLICA_TEST_SEED ?? 20261126);
const APPROVALS_SLACK = SLACK_SEED.channels.approvals.id;
const APPROVALS_TEAMS = TEAMS_SEED.channels.approvals.id;

/** Who asks, and for what: entries whose approvers are other people, so nobody approves their own. */
const REQUESTERS = ['alice', 'carol', 'erin', 'frank', 'bob'] as const;
const ENTRIES = [
  { entry: SEED.entries.zoomPro, chat: 'Zoom Pro License' },
  { entry: SEED.entries.salesforceSalesUser, chat: 'Salesforce Sales User' },
  { entry: SEED.entries.jiraSoftwareUser },
  { entry: SEED.entries.slackMember },
  { entry: SEED.entries.githubMember },
  { entry: SEED.entries.figmaEditor },
] as const;

interface Replica {
  gatehouse: Gatehouse;
  slack: SlackDriver;
  teams: TeamsDriver;
  baseUrl: string;
  alive: boolean;
}

/** A small seeded generator (mulberry32). */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const shown = (value: unknown) => JSON.stringify(value ?? null);

let world: FastifyInstance | undefined;
const replicas: Replica[] = [];
afterAll(async () => {
  for (const replica of replicas) if (replica.alive) await replica.gatehouse.close();
  await world?.close();
});

async function startCompany(org: OktaOrg, slack: SlackWorkspace, teams: TeamsTenant) {
  world = Fastify();
  await world.register(sandboxPlugin, { prefix: '/sandbox', okta: org, slack, teams });
  const worldPort = await freePort();
  await world.listen({ port: worldPort, host: '127.0.0.1' });
  const worldUrl = `http://127.0.0.1:${worldPort}`;
  const prefix = `gatehouse-test-${randomUUID()}`;
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const config = loadConfig({
      PORT: String(port),
      // Every replica talks to the same emulated Okta, Slack and Teams.
      PUBLIC_URL: worldUrl,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      POLL_INTERVAL_MS: '1000',
      // The emulated workspace has no limits of its own here; the documented ones would make 200
      // requests take many minutes (Slack allows one post per second in the approvals channel).
      CHAT_RATE_SCALE: '50',
      LOG_LEVEL: 'silent',
    });
    const gatehouse = await createGatehouse(config, {
      logger: testLogger(config),
      queueLockMs: 2_000,
    });
    await gatehouse.server.listen({ port, host: '127.0.0.1' });
    await gatehouse.start();
    const inject = (request: InjectOptions) => gatehouse.server.inject(request);
    replicas.push({
      gatehouse,
      baseUrl: `http://127.0.0.1:${port}`,
      alive: true,
      slack: new SlackDriver({
        workspace: slack,
        inject,
        signingSecret: SANDBOX_SECRETS.slackSigningSecret,
        responseBaseUrl: worldUrl,
      }),
      teams: new TeamsDriver({ tenant: teams, inject, baseUrl: worldUrl }),
    });
  }
}

describe('three notifier replicas on one Redis', () => {
  it('deliver every message exactly once through 200 random requests and the death of one replica', async () => {
    const rng = random(SEED_NUMBER);
    const org = createOktaOrg({ rateLimitPerMinute: 1_000_000 });
    const slack = createSlackWorkspace();
    const teams = createTeamsTenant();
    await startCompany(org, slack, teams);
    const alive = () => replicas.filter((r) => r.alive);
    // Everyone has the Teams app (the bot may message them); their 1:1 chats exist from the start.
    for (const person of Object.values(TEAMS_SEED.users)) await alive()[0]?.teams.install(person.id);

    // Okta's event hook: each event reaches one replica at random, and one in three never arrives.
    const hooks: Promise<unknown>[] = [];
    org.onEvent((event) => {
      if (rng.next() < 1 / 3) return;
      const target = rng.pick(alive());
      hooks.push(
        fetch(`${target.baseUrl}/hooks/okta`, {
          method: 'POST',
          headers: { authorization: SANDBOX_SECRETS.oktaEventHookSecret, 'content-type': 'application/json' },
          body: JSON.stringify({ data: { events: [event] } }),
        }).catch(() => undefined),
      );
    });

    const created: string[] = [];
    const openPairs = new Map<string, string>();
    const chatDecided = new Set<string>();
    let killed = false;

    const slackUser = (email: string) => Object.values(SLACK_SEED.users).find((u) => u.email === email);
    const teamsUser = (email: string) => Object.values(TEAMS_SEED.users).find((u) => u.email === email);
    const oktaUser = (name: (typeof REQUESTERS)[number]) => SEED.users[name];

    async function create(): Promise<void> {
      const name = rng.pick(REQUESTERS);
      const choice = rng.pick(ENTRIES);
      const pair = `${name}/${choice.entry.id}`;
      if (openPairs.has(pair)) return;
      const before = new Set(org.requests.map((r) => r.id));
      if ('chat' in choice && rng.next() < 0.5) {
        const user = slackUser(oktaUser(name).email);
        if (!user) return;
        await rng.pick(alive()).slack.command(user.id, `request ${choice.chat} because run ${created.length}`);
      } else {
        try {
          org.createRequest(
            {
              requested: { type: 'CATALOG_ENTRY', entryId: choice.entry.id },
              requestedFor: { type: 'OKTA_USER', externalId: oktaUser(name).id },
              requesterFieldValues: [],
            },
            org.actorFor(oktaUser(name).id),
          );
        } catch {
          return;
        }
      }
      const made = await waitFor(() =>
        org.requests.find((r) => !before.has(r.id) && r.requestedFor.externalId === oktaUser(name).id),
      );
      if (!made) return;
      created.push(made.id);
      openPairs.set(pair, made.id);
    }

    async function decide(): Promise<void> {
      org.settle();
      const open = org.requests.filter((r) => created.includes(r.id) && r.status === 'PENDING');
      if (open.length === 0) return;
      const request = rng.pick(open);
      const task = org.tasks.find((t) => t.requestId === request.id && t.status === 'OPEN');
      const roll = rng.next();
      if (!task || roll < 0.08) {
        org.expireRequest(request.id);
      } else if (roll < 0.14) {
        org.cancelRequest(request.id);
      } else {
        const assignee = org.users.find((u) => u.id === rng.pick(task.assignees).externalId);
        const email = assignee?.profile.email ?? '';
        if (roll < 0.44 && (await clickInSlack(request.id, email))) chatDecided.add(request.id);
        else if (roll < 0.64 && (await executeInTeams(request.id, email))) chatDecided.add(request.id);
        else org.resolveTaskAs(task.id, assignee?.id ?? '', roll < 0.85 ? 'APPROVED' : 'DENIED');
      }
      for (const [pair, id] of openPairs)
        if (id === request.id && org.request(id)?.status !== 'PENDING') openPairs.delete(pair);
    }

    /** The approver presses Approve on the card in their Slack DM, if it has arrived. */
    async function clickInSlack(requestId: string, email: string): Promise<boolean> {
      const user = slackUser(email);
      const card =
        user &&
        (await waitFor(() =>
          slack.dmWith(user.id).find((m) => isSlackCard(m, requestId) && shown(m.blocks).includes('"approve"')),
        ));
      if (!user || !card) return false;
      await rng.pick(alive()).slack.click(user.id, { channel: card.channel, ts: card.ts }, 'approve');
      return waitFor(() => org.request(requestId)?.status !== 'PENDING' || undefined).then(Boolean);
    }

    /** The approver presses Approve on the card in their Teams chat, if it has arrived. */
    async function executeInTeams(requestId: string, email: string): Promise<boolean> {
      const user = teamsUser(email);
      if (!user) return false;
      const chat = teams.personalConversationOf(user.id);
      const card = await waitFor(() =>
        teams
          .transcript(chat)
          .find((a) => a.from.id === TEAMS_SEED.bot.id && a.attachments?.length && shown(a).includes(requestId)),
      );
      if (!card || !shown(teams.viewOf(user.id, chat, card.id) ?? card).includes('"approve"')) return false;
      const answer = await rng
        .pick(alive())
        .teams.execute(user.id, { conversationId: chat, activityId: card.id }, 'approve');
      if (answer.statusCode !== 200) return false;
      return waitFor(() => org.request(requestId)?.status !== 'PENDING' || undefined).then(Boolean);
    }

    while (created.length < REQUESTS || org.requests.some((r) => created.includes(r.id) && r.status === 'PENDING')) {
      if (created.length < REQUESTS && (rng.next() < 0.55 || openPairs.size === 0)) await create();
      else await decide();
      if (!killed && created.length >= REQUESTS / 2) {
        killed = true;
        const victim = replicas[0] as Replica;
        victim.alive = false;
        await victim.gatehouse.abandon();
      }
      await sleep(rng.next() * 10);
    }
    await Promise.all(hooks);

    // Every replica left has finished what it started, and nothing is queued, delayed or held by
    // the dead one in Redis (its jobs count as active until their lock lapses and a survivor runs
    // them): what chat shows now is all it will show.
    // A poll after the last change has read it (the dead replica's lease lapses first, if it led).
    const survivor = alive()[0] as Replica;
    while ((await survivor.gatehouse.poller.pollOnce()).pages === 0) await sleep(100);
    for (let round = 0; round < 2; round++) await Promise.all(alive().map((replica) => replica.gatehouse.idle()));
    expect(created).toHaveLength(REQUESTS);
    expect(killed).toBe(true);

    const problems: string[] = [];
    for (const id of created) {
      const snapshot = await survivor.gatehouse.flows.snapshot(id);
      if (!snapshot) {
        problems.push(`${id}: not readable`);
        continue;
      }
      checkSlack(snapshot.view, slack, problems);
      checkTeams(snapshot.view, teams, problems);
    }
    expect(problems.slice(0, 20)).toEqual([]);
    // The mix really happened: decisions in chat and on the portal, both platforms, hooks and polls.
    expect(chatDecided.size).toBeGreaterThan(20);
    expect(org.requests.filter((r) => created.includes(r.id) && r.status === 'APPROVED').length).toBeGreaterThan(40);
    expect(org.requests.filter((r) => created.includes(r.id) && r.status === 'DENIED').length).toBeGreaterThan(5);
  }, 240_000);
});

function isSlackCard(message: MessageRecord, requestId: string): boolean {
  return !message.thread_ts && message.blocks?.[0]?.type === 'header' && shown(message.blocks).includes(requestId);
}

/** The notices the requester should have had, from how the request ended (see RequestMessages). */
function expectedNotices(view: RequestView): number {
  const decided = view.steps.filter((s) => s.decision);
  const stepNotices = view.outcome ? Math.max(0, decided.length - 1) : decided.length;
  const closed = view.status === 'pending' || view.status === 'submitted' ? 0 : 1;
  const grant = view.grantStatus && view.grantStatus !== 'pending' ? 1 : 0;
  return stepNotices + closed + grant;
}

function checkSlack(view: RequestView, slack: SlackWorkspace, problems: string[]): void {
  const person = (email?: string) => Object.values(SLACK_SEED.users).find((u) => u.email === email);
  const requester = person(view.requester.email);
  if (!requester) return;
  const header = (m: MessageRecord) => String((m.blocks?.[0]?.text as { text?: string } | undefined)?.text ?? '');
  const dm = slack.dmWith(requester.id).filter((m) => !m.thread_ts);
  const cards = dm.filter((m) => isSlackCard(m, view.id));
  if (cards.length !== 1) problems.push(`${view.id}: Slack requester cards ${cards.length}`);
  const notices = dm.filter((m) => !isSlackCard(m, view.id) && shown(m).includes(view.id));
  if (notices.length !== expectedNotices(view)) {
    problems.push(
      `${view.id}: Slack notices ${notices.length}, expected ${expectedNotices(view)}: ${notices.map((m) => m.text?.slice(0, 80)).join(' | ')}`,
    );
  }
  const channel = slack.messagesIn(APPROVALS_SLACK).filter((m) => isSlackCard(m, view.id));
  if (channel.length !== 1) problems.push(`${view.id}: Slack channel cards ${channel.length}`);
  const approvalCards: MessageRecord[] = [];
  for (const step of view.steps) {
    for (const approver of step.approvers) {
      const user = person(approver.email);
      if (!user) continue;
      const mine = slack.dmWith(user.id).filter((m) => isSlackCard(m, view.id));
      if (mine.length > 1) problems.push(`${view.id}: ${mine.length} Slack approval cards for ${user.id}`);
      approvalCards.push(...mine);
    }
  }
  for (const card of [...cards, ...channel, ...approvalCards]) {
    if (!header(card).startsWith(view.statusLabel)) {
      problems.push(`${view.id}: a Slack card shows "${header(card)}", the request is ${view.statusLabel}`);
    }
  }
}

function checkTeams(view: RequestView, teams: TeamsTenant, problems: string[]): void {
  const person = (email?: string) => Object.values(TEAMS_SEED.users).find((u) => u.email === email);
  const requester = person(view.requester.email);
  if (!requester) return;
  const bot = TEAMS_SEED.bot.id;
  const about = (conversation: string) =>
    teams.transcript(conversation).filter((a) => a.from.id === bot && !a.replyToId && shown(a).includes(view.id));
  const isCard = (a: { attachments?: unknown[] }) => (a.attachments?.length ?? 0) > 0;
  const headline = (a: { attachments?: { content?: unknown }[] }) =>
    String(((a.attachments?.[0]?.content as { body?: { text?: string }[] })?.body ?? [])[0]?.text ?? '');
  const chat = about(teams.personalConversationOf(requester.id));
  const cards = chat.filter(isCard);
  if (cards.length !== 1) problems.push(`${view.id}: Teams requester cards ${cards.length}`);
  const notices = chat.filter((a) => !isCard(a));
  if (notices.length !== expectedNotices(view)) {
    problems.push(`${view.id}: Teams notices ${notices.length}, expected ${expectedNotices(view)}`);
  }
  const channel = about(APPROVALS_TEAMS).filter(isCard);
  if (channel.length !== 1) problems.push(`${view.id}: Teams channel cards ${channel.length}`);
  const approvalCards: typeof cards = [];
  for (const step of view.steps) {
    for (const approver of step.approvers) {
      const user = person(approver.email);
      if (!user) continue;
      const mine = about(teams.personalConversationOf(user.id)).filter(isCard);
      if (mine.length > 1) problems.push(`${view.id}: ${mine.length} Teams approval cards for ${user.id}`);
      approvalCards.push(...mine);
    }
  }
  for (const card of [...cards, ...channel, ...approvalCards]) {
    if (!headline(card).startsWith(view.statusLabel)) {
      problems.push(`${view.id}: a Teams card shows "${headline(card)}", the request is ${view.statusLabel}`);
    }
  }
}

/** Polls a condition for up to two seconds. */
async function waitFor<T>(check: () => T | undefined): Promise<T | undefined> {
  for (let i = 0; i < 100; i++) {
    const value = check();
    if (value) return value;
    await sleep(20);
  }
  return undefined;
}
