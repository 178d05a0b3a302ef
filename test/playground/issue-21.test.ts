import { SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';
import { ARTIFACTS, launchBrowser, openPlayground } from './browser.js';

/**
 * Issue 21 in the playground: "Try this" puts each feature's command in a composer, Slack's
 * checkboxes and people menu and Teams' people picker work as in the clients, through the stand-ins.
 */
const S = SLACK_SEED.users;
const T = TEAMS_SEED.users;
const E = SEED.entries;
let world: SlackWorld;
let browser: Browser;

beforeAll(async () => {
  world = await startSlackWorld();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

async function aliceAsks(what: string, entryId: string): Promise<string> {
  await world.driver.command(S.alice.id, `request ${what} because the playground test`);
  await world.gatehouse.idle();
  return (await eventually(() => world.portal.find(entryId), 20_000)).id;
}

const statusOf = (id: string) => world.okta.requests.find((request) => request.id === id)?.status;

async function page(people: { slack: string; teams: string }): Promise<Page> {
  const opened = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await openPlayground(opened, world.baseUrl, people);
  return opened;
}

describe('issue 21 in the playground', () => {
  it('puts each “Try this” step’s command in the composer, and switches to the person a step needs', async () => {
    const viewer = await page({ slack: S.carol.id, teams: T.carol.id });
    await viewer.click('#try-this summary');
    const list = viewer.locator('#try-list');
    for (const title of [
      'Cancel a request',
      'What do I have',
      'Already have it',
      'A delegate while away',
      'Several at once',
    ]) {
      await expect(list.locator('.try-item b', { hasText: title }).count()).resolves.toBe(1);
    }
    const mine = list.locator('.try-item', { hasText: 'What do I have' });
    await mine.locator('button.teams').click();
    expect(await viewer.inputValue('#teams-say')).toBe('my access');
    await mine.locator('button:has-text("be Alice")').click();
    await viewer.waitForFunction(
      `document.querySelector('#slack-user').value === '${S.alice.id}' && document.querySelector('#teams-user').value === '${T.alice.id}'`,
    );
    await viewer.click('#try-this summary');
    await viewer.click('#try-this summary');
    await list
      .locator('.try-item', { hasText: 'What do I have' })
      .locator('button:has-text("Slack: my access")')
      .click();
    expect(await viewer.inputValue('#slack-command')).toBe('/access my access');
    const delegate = list.locator('.try-item', { hasText: 'A delegate while away' });
    await delegate.locator('button.slack').first().click();
    // Alice delegates to Carol, typed as Slack's composer puts a person picked with @.
    expect(await viewer.inputValue('#slack-command')).toMatch(/^\/access delegate @carol until \d{4}-\d\d-\d\d$/);
    await viewer.screenshot({ path: `${ARTIFACTS}/21-try-this.png` });
    await viewer.click('#try-this summary');
    await viewer.press('#slack-command', 'Enter');
    // The command went through the Slack stand-in to Gatehouse (the @ pick sent as <@U…|carol>, as
    // our manifest's should_escape makes Slack send it), whose answer shows in Alice's DM.
    await viewer.waitForFunction(
      "document.querySelector('#slack-feed')?.textContent?.includes('decides your approvals')",
      undefined,
      {
        timeout: 15_000,
      },
    );
    await viewer.close();
  }, 60_000);

  it('ticks Slack checkboxes in the pending list and approves exactly those', async () => {
    const ids = {
      jira: await aliceAsks('Jira Software User', E.jiraSoftwareUser.id),
      slack: await aliceAsks('Slack Member', E.slackMember.id),
      github: await aliceAsks('GitHub Member', E.githubMember.id),
    };
    const bob = await page({ slack: S.bob.id, teams: T.bob.id });
    await bob.fill('#slack-command', '/access pending');
    await bob.press('#slack-command', 'Enter');
    const boxes = bob.locator('#slack-feed .checkboxes').last();
    await boxes.waitFor({ timeout: 15_000 });
    await boxes.locator('label', { hasText: 'Jira' }).locator('input').check();
    await boxes.locator('label', { hasText: 'GitHub' }).locator('input').check();
    // The ticks survive the pane's redraws: the stand-in keeps them, as Slack's client does.
    await bob.waitForTimeout(300);
    expect(await boxes.locator('input:checked').count()).toBe(2);
    await bob.screenshot({ path: `${ARTIFACTS}/22-slack-ticked.png` });
    await bob.locator('#slack-feed button:has-text("Approve selected")').last().click();
    const approved = () => statusOf(ids.jira) === 'APPROVED' && statusOf(ids.github) === 'APPROVED';
    // A reason form opens first when one of them needs a reason to approve (a risky grant).
    const reason = bob.locator('.modal textarea');
    const asked = await Promise.race([
      reason.waitFor({ timeout: 15_000 }).then(() => true),
      eventually(approved, 15_000).then(() => false),
    ]);
    if (asked) {
      await reason.fill('both fine');
      await bob.locator('.modal .foot button.primary').click();
    }
    await eventually(approved, 15_000);
    expect(statusOf(ids.slack)).not.toBe('APPROVED');
    await bob.close();
  }, 90_000);

  it('forwards from Slack’s people menu and from Teams’ people picker, which searches the directory', async () => {
    await aliceAsks('Salesforce Sales User', E.salesforceSalesUser.id);
    const bob = await page({ slack: S.bob.id, teams: T.bob.id });
    // Slack: Forward opens a modal whose users_select lists the workspace's people.
    const card = bob.locator('#slack-feed .msg', { hasText: 'Salesforce — Sales User' }).last();
    await card.locator('button:has-text("Forward")').click({ timeout: 15_000 });
    const menu = bob.locator('.modal select[data-users-select]');
    await menu.waitFor();
    expect(await menu.locator('option', { hasText: 'Carol Okafor' }).count()).toBe(1);
    await bob.screenshot({ path: `${ARTIFACTS}/23-slack-forward.png` });
    await bob.locator('.modal .foot button:not(.primary)').click();

    // Teams: the Forward panel's people picker is answered by Teams from the directory.
    const teamsCard = bob.locator('#teams-feed .card', { hasText: 'Salesforce — Sales User' }).last();
    await teamsCard.locator('button:has-text("Forward")').first().click({ timeout: 15_000 });
    const picker = teamsCard.locator('.pg-choice-text').first();
    await picker.pressSequentially('car', { delay: 30 });
    const carol = teamsCard.locator('.pg-choice', { hasText: 'Carol Okafor' });
    await carol.waitFor();
    expect(await carol.getAttribute('data-value')).toBe(T.carol.aadObjectId);
    await carol.dispatchEvent('mousedown');
    await bob.screenshot({ path: `${ARTIFACTS}/24-teams-people-picker.png` });
    await teamsCard.locator('button:has-text("Forward")').last().click();
    // Teams took the pick (the stand-in refuses a value its picker could not give) and the bot
    // answered the press with the card as it now stands for Bob: the Forward panel is gone. What the
    // forward did is the Teams adapter's own test (test/adapters/teams).
    await bob.waitForFunction(
      "![...document.querySelectorAll('#teams-feed .card')].some((card) => card.textContent.includes('Salesforce — Sales User') && card.querySelector('.pg-choice-text'))",
      undefined,
      { timeout: 15_000 },
    );
    expect((await bob.locator('#teams-notice').textContent()) ?? '').not.toMatch(/Entra object id|directory/);
    await bob.close();
  }, 90_000);

  it('shows a reminder in the thread of the card it repeats, with buttons that work', async () => {
    const id = await aliceAsks('Figma Editor', E.figmaEditor.id);
    await world.gatehouse.idle();
    const card = await eventually(
      () => world.slack.dmWith(S.bob.id).find((m) => !m.thread_ts && shown(m).includes(id) && m.blocks?.length),
      15_000,
    );
    // A reminder as the notifier posts one: the card again, buttons and all, in the original's thread.
    const posted = await fetch(`${world.baseUrl}/sandbox/slack/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SLACK_SEED.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: card.channel, thread_ts: card.ts, text: 'Reminder', blocks: card.blocks }),
    });
    expect(((await posted.json()) as { ok: boolean }).ok).toBe(true);
    const bob = await page({ slack: S.bob.id, teams: T.bob.id });
    const reply = bob.locator('#slack-feed .msg.thread', { hasText: id }).last();
    await reply.waitFor({ timeout: 15_000 });
    await bob.screenshot({ path: `${ARTIFACTS}/25-slack-reminder-in-thread.png` });
    await reply.locator('button:has-text("Approve")').click();
    await eventually(() => statusOf(id) === 'APPROVED', 15_000);
    await bob.close();
  }, 90_000);
});
