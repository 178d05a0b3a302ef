import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

/** The browser's globals the in-page functions below use: the project compiles without the DOM library. */
interface PageNode {
  textContent: string | null;
  compareDocumentPosition(other: unknown): number;
}
declare const document: { createTreeWalker(root: unknown, whatToShow: number): { nextNode(): PageNode | null } };

/** Headless Chromium for the playground tests (Debian's package; .ci/run installs it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = 'test-results/playground';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is missing at ${CHROMIUM}: .ci/run installs Debian's chromium package`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The playground as one Slack person and one Teams person, once it has drawn what the stand-ins hold. */
export async function openPlayground(page: Page, baseUrl: string, people: { slack: string; teams: string }) {
  await page.goto(`${baseUrl}/?slack=${people.slack}&teams=${encodeURIComponent(people.teams)}`);
  await page.waitForSelector('body[data-ready="1"]');
}

/**
 * Clicks the button labelled `label` that belongs to the list item naming `item`: the first such
 * button after that name in reading order, as a person's eye finds it. The pane redraws whenever
 * the stand-ins change, so a button found just before a redraw is found again.
 */
export async function clickUnder(scope: Locator, item: string, label: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const mark = `pick-${attempt}-${Math.random().toString(36).slice(2)}`;
    const found = await scope.evaluate(
      (root, [wanted, text, marker]) => {
        const walker = document.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
        let name: PageNode | null = null;
        for (let node = walker.nextNode(); node && !name; node = walker.nextNode()) {
          if (node.textContent?.includes(wanted as string)) name = node;
        }
        if (!name) return false;
        const after = name;
        const button = [...root.querySelectorAll('button')].find(
          (candidate) =>
            candidate.textContent?.trim() === text &&
            after.compareDocumentPosition(candidate) & 4 /* Node.DOCUMENT_POSITION_FOLLOWING */,
        );
        button?.setAttribute('data-pick', marker as string);
        return !!button;
      },
      [item, label, mark],
    );
    if (!found) throw new Error(`no ${label} button under “${item}”`);
    try {
      await scope.page().locator(`[data-pick="${mark}"]`).click({ timeout: 3000 });
      return;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Where an element is on screen, and whether all of it lies inside the window. */
export async function inViewport(page: Page, target: Locator): Promise<boolean> {
  const box = await target.boundingBox();
  const size = page.viewportSize();
  if (!box || !size) return false;
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
}
