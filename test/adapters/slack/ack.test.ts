import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buttonsOf,
  eventually,
  messageAbout,
  S,
  type SlackWorld,
  shown,
  startSlackWorld,
} from '../../support/slack-world.js';

let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Slack gets its answer first', () => {
  it('acks within Slack’s 3 seconds while Okta takes 4, and answers through response_url after', async () => {
    world = await startSlackWorld();
    const current = world;
    current.okta.faults.add({ method: 'GET', path: '/governance/api/v2/requests', kind: 'delay', ms: 4000, times: 1 });
    const asked = await current.driver.command(S.alice.id, 'mine');
    expect(asked.statusCode).toBe(200);
    expect(asked.elapsedMs).toBeLessThan(3000);
    expect(asked.answerProblems).toEqual([]);
    expect(current.slack.ephemeralsFor(S.alice.id)).toHaveLength(0);
    await eventually(
      () =>
        current.slack.responses(asked.responseUrl).find((post) => shown(post.body as object).includes('Your requests')),
      10_000,
    );
  });
});

describe('a backend that wants every approval explained', () => {
  it('asks the approver for a reason before approving, and passes it on', async () => {
    world = await startSlackWorld({ okta: { approveReasonRequired: true } });
    const current = world;
    await current.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    const request = await eventually(() =>
      current.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id),
    );
    const card = await eventually(() => messageAbout(current.slack.dmWith(S.dana.id), request.id));
    expect(buttonsOf(card)).toContain('approve');

    await current.driver.click(S.dana.id, { channel: card.channel, ts: card.ts }, 'approve');
    const modal = await eventually(() => current.slack.openModalOf(S.dana.id));
    expect(current.writes('/resolve')).toBe(0);
    await current.driver.submit(S.dana.id, modal.id, { text: 'Marketing webinars need Pro' });
    await eventually(() => current.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');
    const told = await eventually(() =>
      current.slack.dmWith(S.alice.id).find((message) => shown(message).includes('approved by Dana Kowalski')),
    );
    expect(shown(told)).toContain('Marketing webinars need Pro');
  });
});
