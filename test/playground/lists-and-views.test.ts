import { SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type SlackWorld, startSlackWorld } from '../support/slack-world.js';
import { ARTIFACTS, clickUnder, inViewport, launchBrowser, openPlayground } from './browser.js';

/**
 * The playground shows the product as Slack and Teams would: a button in a list acts on its own
 * item, an answer only the clicker sees appears where Slack shows it, the Teams form's type-ahead
 * asks the bot, and App Home and the Teams approvals channel can be seen.
 */
/** The page's getComputedStyle, for code evaluated in the browser (the project compiles without the DOM library). */
declare const getComputedStyle: (node: unknown) => { color: string; backgroundColor: string };

const S = SLACK_SEED.users;
const T = TEAMS_SEED.users;
const E = SEED.entries;
let world: SlackWorld;
let browser: Browser;

beforeAll(async () => {
  world = await startSlackWorld({ homeSpacingMs: 0 });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

/** Alice asks in Slack, as the Slack stand-in delivers it; returns the request's id once it exists. */
async function aliceAsks(what: string, entryId: string): Promise<string> {
  await world.driver.command(S.alice.id, `request ${what} because the playground test`);
  await world.gatehouse.idle();
  return (await eventually(() => world.portal.find(entryId), 20_000)).id;
}

async function page(people: { slack: string; teams: string }, width = 1600): Promise<Page> {
  const opened = await browser.newPage({ viewport: { width, height: 1000 } });
  await openPlayground(opened, world.baseUrl, people);
  return opened;
}

/** The names in the order the list shows them. */
async function shownOrder(list: import('playwright-core').Locator, names: string[]): Promise<string[]> {
  const text = (await list.textContent()) ?? '';
  return names.filter((name) => text.includes(name)).sort((a, b) => text.indexOf(a) - text.indexOf(b));
}

describe('the playground tells the truth', () => {
  it('approves exactly the items clicked in a Slack `/access pending` list', async () => {
    const ids = {
      'Jira — Software User': await aliceAsks('Jira Software User', E.jiraSoftwareUser.id),
      'Slack — Member': await aliceAsks('Slack Member', E.slackMember.id),
      'GitHub — Member': await aliceAsks('GitHub Member', E.githubMember.id),
    };
    const names = Object.keys(ids) as (keyof typeof ids)[];
    const bob = await page({ slack: S.bob.id, teams: T.bob.id });
    await bob.fill('#slack-command', '/access pending');
    await bob.press('#slack-command', 'Enter');
    const list = bob
      .locator('#slack-feed .msg.ephemeral')
      .filter({ hasText: names[0] })
      .filter({ hasText: names[1] })
      .filter({ hasText: names[2] })
      .last();
    await list.waitFor({ timeout: 15_000 });
    const order = (await shownOrder(list, names)) as typeof names;
    expect(order).toHaveLength(3);
    const [first, second, third] = order as [keyof typeof ids, keyof typeof ids, keyof typeof ids];

    await clickUnder(list, second, 'Approve');
    await eventually(() => world.portal.status(ids[second]) === 'approved', 15_000);
    await clickUnder(list, third, 'Approve');
    await eventually(() => world.portal.status(ids[third]) === 'approved', 15_000);
    await world.gatehouse.idle();
    await bob.screenshot({ path: `${ARTIFACTS}/7-slack-list-approvals.png` });

    expect(world.portal.status(ids[first])).toBe('pending');
    await bob.close();
  }, 90_000);

  it('approves exactly the items clicked in a Teams `pending` list', async () => {
    const ids = {
      'Salesforce — Sales User': await aliceAsks('Salesforce Sales User', E.salesforceSalesUser.id),
      'Figma — Editor': await aliceAsks('Figma Editor', E.figmaEditor.id),
      'Google Workspace — Shared Drive Manager': await aliceAsks(
        'Google Workspace Shared Drive Manager',
        E.googleWorkspaceDriveManager.id,
      ),
    };
    const names = Object.keys(ids) as (keyof typeof ids)[];
    const bob = await page({ slack: S.bob.id, teams: T.bob.id });
    await bob.fill('#teams-say', 'pending');
    await bob.press('#teams-say', 'Enter');
    // The list: the one card naming all three (each also has its own approval card in Bob's chat).
    const list = () =>
      bob
        .locator('#teams-feed .card')
        .filter({ hasText: names[0] })
        .filter({ hasText: names[1] })
        .filter({ hasText: names[2] })
        .last();
    await list().waitFor({ timeout: 15_000 });
    const order = (await shownOrder(list(), names)) as typeof names;
    const [first, second, third] = order as [keyof typeof ids, keyof typeof ids, keyof typeof ids];
    expect(order).toHaveLength(3);

    await clickUnder(list(), second, 'Approve');
    await eventually(() => world.portal.status(ids[second]) === 'approved', 15_000);
    await clickUnder(list(), third, 'Approve');
    await eventually(() => world.portal.status(ids[third]) === 'approved', 15_000);
    await world.gatehouse.idle();
    await bob.screenshot({ path: `${ARTIFACTS}/8-teams-list-approvals.png` });

    expect(world.portal.status(ids[first])).toBe('pending');
    expect(await bob.locator('#teams-notice').isVisible()).toBe(false);
    await bob.close();
  }, 90_000);

  it('shows a refusal only the clicker sees at the bottom of the channel clicked in, in view', async () => {
    // Zoom is Dana's to decide; later requests push its card up the channel.
    const zoom = await aliceAsks('Zoom Pro License', E.zoomPro.id);
    await aliceAsks('Slack Workspace Admin', E.slackWorkspaceAdmin.id);
    const bob = await page({ slack: S.bob.id, teams: T.bob.id }, 1280);
    await bob.locator('#slack-tabs [role="tab"]', { hasText: '#access-approvals' }).click();
    const card = bob.locator('#slack-feed .msg:not(.ephemeral)', { hasText: 'Zoom — Pro License' }).first();
    await card.waitFor();
    await card.locator('button:has-text("Approve")').click();
    const refusal = bob.locator('#slack-feed .msg.ephemeral', { hasText: 'not an approver' }).last();
    await refusal.waitFor({ timeout: 15_000 });
    await bob.screenshot({ path: `${ARTIFACTS}/9-refusal-in-view.png` });
    expect(await inViewport(bob, refusal)).toBe(true);
    // Where Slack puts it: after everything else in the conversation, next to the composer.
    const last = bob.locator('#slack-feed > .msg').last();
    expect(await last.getAttribute('data-ts')).toBe(await refusal.getAttribute('data-ts'));
    expect(world.portal.status(zoom)).toBe('pending');
    await bob.close();
  }, 60_000);

  it('completes the Teams request form through its type-ahead, which asks the bot', async () => {
    const alice = await page({ slack: S.alice.id, teams: T.alice.id });
    await alice.fill('#teams-say', 'request');
    await alice.press('#teams-say', 'Enter');
    const form = alice.locator('#teams-feed .card', { hasText: 'What do you need?' }).last();
    const box = form.locator('input.pg-choice-text');
    await box.waitFor({ timeout: 15_000 });
    await box.click();
    await box.pressSequentially('sales', { delay: 30 });
    const option = form.locator('.pg-choice', { hasText: 'Salesforce — Admin' });
    await option.waitFor({ timeout: 15_000 });
    // Each choice is a line of its own, not run together.
    const heights = await form
      .locator('.pg-choice')
      .evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().top));
    expect(new Set(heights).size).toBe(heights.length);
    await alice.screenshot({ path: `${ARTIFACTS}/10-teams-typeahead.png` });
    await option.click();
    await form.locator('textarea, input:not(.pg-choice-text)').first().fill('quarterly forecasts');
    const before = world.okta.requests.length;
    await alice
      .locator('#teams-feed .card', { hasText: 'What do you need?' })
      .last()
      .locator('button:has-text("Request")')
      .click();
    const created = await eventually(
      () => world.okta.requests.length > before && world.portal.find(E.salesforceAdmin.id),
      15_000,
    );
    expect(created.status).toBe('pending');
    await alice.close();
  }, 60_000);

  it('opens App Home in the Slack pane, with buttons that work', async () => {
    const bob = await page({ slack: S.bob.id, teams: T.bob.id });
    await bob.locator('#slack-tabs [role="tab"]', { hasText: 'Home' }).click();
    const home = bob.locator('#slack-feed .home');
    await home.waitFor({ timeout: 15_000 });
    await bob.screenshot({ path: `${ARTIFACTS}/11-app-home.png` });
    // Bob's first pending request (the Slack list left it) is on his Home, and Approve there decides it.
    const pending = world.okta.requests.filter((r) => r.status === 'PENDING' && r.requested.entryId !== E.zoomPro.id);
    const jira = pending.find((r) => r.requested.entryId === E.jiraSoftwareUser.id) ?? pending[0];
    const name = world.okta.entries.find((entry) => entry.id === jira?.requested.entryId)?.name ?? '';
    await home.getByText(name).first().waitFor({ timeout: 15_000 });
    await clickUnder(home, name, 'Approve');
    await eventually(() => world.okta.request(jira?.id ?? '')?.status === 'APPROVED', 15_000);
    await bob.close();
  }, 60_000);

  it('shows the Teams approvals channel with the cards the bot posted there', async () => {
    const dana = await page({ slack: S.dana.id, teams: T.dana.id });
    await dana.locator('#teams-tabs [role="tab"]', { hasText: 'access-approvals' }).click();
    const card = dana.locator('#teams-feed .card', { hasText: 'Zoom — Pro License' }).first();
    await card.waitFor({ timeout: 15_000 });
    await dana.screenshot({ path: `${ARTIFACTS}/12-teams-approvals-channel.png` });
    expect(await card.locator('button:has-text("Approve")').count()).toBeGreaterThan(0);
    await dana.close();
  }, 60_000);

  it('keeps the portal’s buttons inside the window from 1280 to 1920 pixels wide', async () => {
    for (const width of [1280, 1600, 1920]) {
      const viewer = await page({ slack: S.alice.id, teams: T.alice.id }, width);
      const buttons = viewer.locator('#portal-feed button');
      await buttons.first().waitFor();
      for (const button of await buttons.all()) {
        const box = await button.boundingBox();
        expect(box && box.x + box.width <= width - 8, `a portal button ends past ${width} px`).toBe(true);
      }
      await viewer.close();
    }
  }, 60_000);

  it('shows emoji the bot uses, and readable code in the header', async () => {
    const erin = await page({ slack: S.erin.id, teams: T.erin.id });
    await erin.fill('#slack-command', '/access pending');
    await erin.press('#slack-command', 'Enter');
    const answer = erin.locator('#slack-feed .msg.ephemeral', { hasText: 'Nothing is waiting' });
    await answer.waitFor({ timeout: 15_000 });
    expect(await answer.textContent()).toContain('🎉');
    const [color, background] = await erin
      .locator('header code')
      .first()
      .evaluate((node) => [getComputedStyle(node).color, getComputedStyle(node).backgroundColor]);
    expect(color).toBe('rgb(255, 255, 255)');
    expect(background).not.toMatch(/^rgb\(24\d, 24\d, 24\d\)$/);
    await erin.close();
  }, 60_000);
});
