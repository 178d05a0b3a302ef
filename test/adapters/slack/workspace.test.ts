import { describe, expect, it } from 'vitest';
import { isOurPerson, originsOf, servesPayload } from '../../../src/adapters/slack/workspace.js';

/**
 * Which deliveries and people are Gatehouse's (issue 15): with a Grid org known, anything of that
 * org; otherwise that one workspace. Payload shapes follow Slack's references (slash command form,
 * block_actions / view_submission / block_suggestion, Events API envelope).
 */
const WORKSPACE = { teamId: 'T0OURS' };
const GRID = { teamId: 'T0OURS', enterpriseId: 'E0OURS' };

const command = (fields: Record<string, string>) => ({ command: '/access', user_id: 'U1', ...fields });
const click = (team: unknown, userTeam: string, enterprise: unknown = null) => ({
  type: 'block_actions',
  team,
  enterprise,
  user: { id: 'U1', team_id: userTeam },
});
const event = (
  teamId: string,
  enterpriseId: string | null,
  authorization = { team_id: teamId, enterprise_id: enterpriseId },
) => ({
  type: 'event_callback',
  team_id: teamId,
  ...(enterpriseId ? { enterprise_id: enterpriseId } : {}),
  authorizations: [authorization],
  event: { type: 'app_home_opened', user: 'U1' },
});

describe('which deliveries are served', () => {
  it.each([
    { what: 'a command from our workspace', home: WORKSPACE, body: command({ team_id: 'T0OURS' }), served: true },
    { what: 'a command from another workspace', home: WORKSPACE, body: command({ team_id: 'T0EVIL' }), served: false },
    { what: 'a command naming no workspace', home: WORKSPACE, body: command({}), served: false },
    { what: 'a click in our workspace', home: WORKSPACE, body: click({ id: 'T0OURS' }, 'T0OURS'), served: true },
    {
      // Where a click arrived is judged here; who clicked is judged by isOurPerson (users.info).
      what: 'a Slack Connect partner’s click in our shared channel (left to the person check)',
      home: WORKSPACE,
      body: click({ id: 'T0OURS' }, 'T0PARTNER'),
      served: true,
    },
    {
      // On Grid `user.team_id` is the person's home workspace wherever they click (slackapi/bolt-js#1875).
      what: 'a click in our Grid workspace by a member whose home is a sister workspace, workspace configured alone',
      home: WORKSPACE,
      body: click({ id: 'T0OURS', enterprise_id: 'E0OURS' }, 'T0SISTER', { id: 'E0OURS', name: 'Ours' }),
      served: true,
    },
    {
      what: 'a click in another workspace by someone whose home is ours',
      home: WORKSPACE,
      body: click({ id: 'T0EVIL' }, 'T0OURS'),
      served: false,
    },
    {
      what: 'an org-wide install (team null) with only our workspace configured',
      home: WORKSPACE,
      body: click(null, 'T0OURS', { id: 'E0OURS', name: 'Ours' }),
      served: false,
    },
    { what: 'a click from another workspace', home: WORKSPACE, body: click({ id: 'T0EVIL' }, 'T0EVIL'), served: false },
    { what: 'an event for our workspace', home: WORKSPACE, body: event('T0OURS', null), served: true },
    {
      what: 'an event for another installation',
      home: WORKSPACE,
      body: event('T0OURS', null, { team_id: 'T0EVIL', enterprise_id: null }),
      served: false,
    },
    {
      what: 'our Grid workspace configured alone (payloads name its org)',
      home: WORKSPACE,
      body: click({ id: 'T0OURS', enterprise_id: 'E0OURS' }, 'E0OURS', { id: 'E0OURS', name: 'Ours' }),
      served: true,
    },
    {
      what: 'another workspace of our org',
      home: GRID,
      body: command({ team_id: 'T0SISTER', enterprise_id: 'E0OURS' }),
      served: true,
    },
    {
      what: 'an org-wide install of our org (team null, user.team_id the org)',
      home: GRID,
      body: click(null, 'E0OURS', { id: 'E0OURS', name: 'Ours' }),
      served: true,
    },
    {
      what: 'another org',
      home: GRID,
      body: click({ id: 'T0OURS' }, 'T0OURS', { id: 'E0EVIL', name: 'Evil' }),
      served: false,
    },
    { what: 'a workspace outside any org', home: GRID, body: command({ team_id: 'T0EVIL' }), served: false },
    { what: 'our own workspace naming no org', home: GRID, body: command({ team_id: 'T0OURS' }), served: true },
    {
      what: 'a click naming no org, by a person of another workspace',
      home: GRID,
      body: click({ id: 'T0OURS' }, 'T0PARTNER'),
      served: false,
    },
    { what: 'an event of another org', home: GRID, body: event('T0X', 'E0EVIL'), served: false },
  ])('$what: served = $served', ({ home, body, served }) => {
    expect(servesPayload(home, originsOf(body))).toBe(served);
  });

  it('serves nothing while the workspace is unknown', () => {
    expect(servesPayload({}, originsOf(command({ team_id: 'T0OURS' })))).toBe(false);
  });
});

describe('which people are ours', () => {
  it.each([
    { what: 'a member', home: WORKSPACE, person: { teamId: 'T0OURS' }, ours: true },
    { what: 'a partner of another organisation', home: WORKSPACE, person: { teamId: 'T0PARTNER' }, ours: false },
    { what: 'a stranger', home: WORKSPACE, person: { teamId: 'T0OURS', stranger: true }, ours: false },
    {
      what: 'a Grid member of our workspace, workspace configured alone',
      home: WORKSPACE,
      person: { teamId: 'E0OURS', enterpriseId: 'E0OURS', teams: ['T0OURS', 'T0SISTER'] },
      ours: true,
    },
    {
      what: 'a member of another workspace of our org, workspace configured alone',
      home: WORKSPACE,
      person: { teamId: 'T0SISTER', enterpriseId: 'E0OURS', teams: ['T0SISTER'] },
      ours: false,
    },
    {
      what: 'a Grid member of our workspace whose home is a sister workspace, workspace configured alone',
      home: WORKSPACE,
      person: { teamId: 'T0SISTER', enterpriseId: 'E0OURS', teams: ['T0SISTER', 'T0OURS'] },
      ours: true,
    },
    { what: 'a member of our org', home: GRID, person: { teamId: 'T0SISTER', enterpriseId: 'E0OURS' }, ours: true },
    { what: 'a member of another org', home: GRID, person: { teamId: 'T0OURS', enterpriseId: 'E0EVIL' }, ours: false },
    { what: 'someone of a workspace outside any org', home: GRID, person: { teamId: 'T0PARTNER' }, ours: false },
  ])('$what: ours = $ours', ({ home, person, ours }) => {
    expect(isOurPerson(home, person)).toBe(ours);
  });
});
