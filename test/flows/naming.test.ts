import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { looksLikeAnId } from '../../src/flows/naming.js';
import { PROVIDERS, startWorld, type World } from '../support/world.js';
import { ok, refused } from './helpers.js';

const { users: U, entries: E } = SEED;

/**
 * Issue 21: people name their requests as they think of them, by app, not only by id: `cancel
 * github`, `status salesforce`. Against each backend's emulator through its real client.
 */
describe.each(PROVIDERS)('requests named by app on %s', (provider) => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const alice = () => world.as(U.alice.email);
  const bob = () => world.as(U.bob.email);

  async function asked(entryId: string): Promise<string> {
    const result = ok(await world.flows.requestAccess(alice(), { entryId, justification: 'Quarter plan' }));
    if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
    return result.request.id;
  }

  it('cancels the one open request an app name names, and leaves the others', async () => {
    const github = await asked(E.githubMember.id);
    const salesforce = await asked(E.salesforceSalesUser.id);

    const cancelled = ok(await world.flows.cancelNamed(alice(), 'GitHub'));

    expect(cancelled).toMatchObject({ id: github, status: 'canceled' });
    expect(world.portal.status(github)).toBe('canceled');
    expect(world.portal.status(salesforce)).not.toBe('canceled');
  });

  it('cancels by id as well', async () => {
    const github = await asked(E.githubMember.id);
    ok(await world.flows.cancelNamed(alice(), github));
    expect(world.portal.status(github)).toBe('canceled');
  });

  it('says which ids to choose from when a name matches several open requests, and cancels none', async () => {
    const github = await asked(E.githubMember.id);
    const slack = await asked(E.slackMember.id);

    const message = refused(await world.flows.cancelNamed(alice(), 'member'), 'several_requests_named');

    expect(message).toContain(github);
    expect(message).toContain(slack);
    expect([world.portal.status(github), world.portal.status(slack)]).not.toContain('canceled');
  });

  it('says there is none for a name that matches no open request of theirs', async () => {
    await asked(E.githubMember.id);
    const message = refused(await world.flows.cancelNamed(alice(), 'figma'), 'no_request_named');
    expect(message).toContain('figma');
  });

  it("finds nothing by another person's request id, exactly as for one that does not exist", async () => {
    const github = await asked(E.githubMember.id);
    refused(await world.flows.cancelNamed(bob(), github), 'no_request_named');
    expect(world.portal.status(github)).not.toBe('canceled');
  });

  it('shows the status of a request named by its app, and says when none is', async () => {
    const github = await asked(E.githubMember.id);
    await asked(E.salesforceSalesUser.id);

    const shown = ok(await world.flows.status(alice(), 'github member'));
    expect(shown).toMatchObject({ id: github, entry: { name: expect.stringContaining('GitHub') } });

    refused(await world.flows.status(alice(), 'figma editor'), 'no_request_named');
    refused(await world.flows.status(alice(), 'req00000000000000000'), 'request_not_found');
  });
});

describe('what reads as a request id', () => {
  it.each([
    ['reqsODWRYFQjjRnKWPEK', true], // an Okta id that happens to hold no digit
    ['reqrxUVCPkg9kS5Fp1d6', true],
    ['0b6c3f5e-7d1a-4c2b-9e8f-1a2b3c4d5e6f', true],
    ['figma', false],
    ['Salesforce', false],
    ['figma editor', false],
    ['PowerBIDesktopPro', false],
  ])('%s → %s', (text, expected) => {
    expect(looksLikeAnId(text)).toBe(expected);
  });
});
