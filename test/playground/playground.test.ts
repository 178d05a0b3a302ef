import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackWorld, startSlackWorld } from '../support/slack-world.js';
import { ARTIFACTS, launchBrowser } from './browser.js';

/**
 * The playground in real headless Chromium (Debian's package; .ci/run installs it): what a
 * newcomer does on their first visit, seen the way they see it.
 */
let world: SlackWorld;
let browser: Browser;

beforeAll(async () => {
  // Polling as often as sandbox mode allows, so portal changes reach chat while the test watches.
  world = await startSlackWorld({ env: { POLL_INTERVAL_MS: '1000' } });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

async function open(page: Page) {
  const alice = SLACK_SEED.users.alice.id;
  const bob = TEAMS_SEED.users.bob.id;
  await page.goto(`${world.baseUrl}/?slack=${alice}&teams=${encodeURIComponent(bob)}`);
  await page.waitForSelector('body[data-ready="1"]');
}

describe('the playground', () => {
  it('lets alice ask in the Slack pane and bob approve in the Teams pane, both panes ending approved', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await open(page);
    await page.fill('#slack-command', '/access request Salesforce Sales User because new territory');
    await page.press('#slack-command', 'Enter');
    // Alice's own card, as Slack shows it in her DM with Gatehouse.
    await page.waitForSelector('#slack-feed .block-header:has-text("Access request: Salesforce — Sales User")');
    await page.screenshot({ path: `${ARTIFACTS}/1-requested.png` });

    // Bob's approval card in Teams, drawn by the Adaptive Cards library, with its buttons.
    const approve = page.locator('#teams-feed .card button:has-text("Approve")').first();
    await approve.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: `${ARTIFACTS}/2-approval-card.png` });
    await approve.click();

    await page.waitForSelector('#slack-feed .block-header:has-text("Approved: Salesforce — Sales User")', {
      timeout: 15_000,
    });
    await page.waitForSelector('#teams-feed .card :text("Approved: Salesforce — Sales User")', { timeout: 15_000 });
    await page.waitForSelector('#portal-feed .status:has-text("APPROVED")');
    await page.screenshot({ path: `${ARTIFACTS}/3-approved.png`, fullPage: true });

    expect(world.okta.requests.filter((r) => r.status === 'APPROVED')).toHaveLength(1);
    expect(await page.locator('#slack-feed').textContent()).toContain('approved by Bob Martinez');
    await page.close();
  }, 90_000);

  it('renders what people typed as text, never as markup', async () => {
    const page = await browser.newPage();
    await open(page);
    await page.fill(
      '#slack-command',
      '/access request Zoom Pro License because <img src=x onerror="document.body.dataset.owned=1">',
    );
    await page.press('#slack-command', 'Enter');
    await page.waitForSelector('#slack-feed :text("Zoom — Pro License")', { timeout: 15_000 });
    expect(await page.evaluate('document.body.dataset.owned')).toBeUndefined();
    expect(await page.locator('#slack-feed img').count()).toBe(0);
    // Slack's own link syntax, typed by a person, stays text too (the bot escaped it; so must the pane).
    await page.fill('#slack-command', '/access request Figma Editor because <https://evil.example|Approve here>');
    await page.press('#slack-command', 'Enter');
    await page.waitForFunction(
      "document.querySelector('#slack-feed')?.textContent?.includes('<https://evil.example|Approve here>')",
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.locator('#slack-feed a[href^="https://evil.example"]').count()).toBe(0);
    // A body the page could never send is refused plainly, not with a 500.
    const refused = await page.evaluate(
      "fetch('/playground/slack/command', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)",
    );
    expect(refused).toBe(400);
    await page.close();
  }, 60_000);

  it('shows a decision made in the governance portal in chat, through the notifier', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await open(page);
    await page.fill('#slack-command', '/access request Jira Software User because sprint planning');
    await page.press('#slack-command', 'Enter');
    await page.waitForSelector('#slack-feed .block-header:has-text("Access request: Jira — Software User")');
    const row = page.locator('#portal-feed [data-request]', { hasText: 'Jira — Software User' });
    await row.locator('button:has-text("Approve")').click();
    await page.waitForSelector('#slack-feed .block-header:has-text("Approved: Jira — Software User")', {
      timeout: 15_000,
    });
    await page.screenshot({ path: `${ARTIFACTS}/4-portal-decision.png` });
    await page.close();
  }, 60_000);

  it('works the Slack request form (type-ahead, select, submit) and a Teams card input (reject with a reason)', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await open(page);
    // `/access` alone opens the request form as a modal.
    await page.fill('#slack-command', '/access');
    await page.press('#slack-command', 'Enter');
    const entry = page.locator('.modal input[data-external]');
    await entry.waitFor();
    // Type-ahead: options come from the bot's options endpoint through the stand-in.
    await entry.pressSequentially('zoom', { delay: 30 });
    await page.waitForSelector('.modal datalist option[value="Zoom — Pro License"]', { state: 'attached' });
    await entry.fill('Zoom — Pro License');
    await page.locator('.modal textarea, .modal input[data-block]:not([data-external])').first().fill('webinars');
    await page.screenshot({ path: `${ARTIFACTS}/5-slack-form.png` });
    await page.locator('.modal .foot button.primary').click();
    await page.waitForSelector('#slack-feed .block-header:has-text("Access request: Zoom — Pro License")', {
      timeout: 15_000,
    });
    // The form is gone: closed, or replaced by the bot's confirmation.
    await page.waitForFunction("!document.querySelector('.modal input[data-external]')");

    // Dana decides Zoom in Teams: Reject opens its reason input, which travels with the action.
    await page.selectOption('#teams-user', TEAMS_SEED.users.dana.id);
    const card = page.locator('#teams-feed .card', { hasText: 'Zoom — Pro License' }).last();
    await card.locator('button:has-text("Reject")').first().click();
    await card.locator('input, textarea').last().fill('Use the shared account');
    await card.locator('button:has-text("Reject")').last().click();
    await page.waitForSelector('#slack-feed :text("Use the shared account")', { timeout: 15_000 });
    await page.waitForSelector('#portal-feed .status:has-text("DENIED")');
    await page.screenshot({ path: `${ARTIFACTS}/6-teams-reject.png`, fullPage: true });
    await page.close();
  }, 90_000);
});
