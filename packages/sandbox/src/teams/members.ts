import type { Answer } from './conversations.js';
import { ConnectorError, memberNotFound } from './errors.js';
import { PAGE_SIZE } from './limits.js';
import type { ConversationRecord, Json, TeamsUserRecord } from './records.js';
import { TEAMS_SEED } from './seed.js';
import type { TeamsTenant } from './tenant.js';

/**
 * The roster operations: who is in a conversation (TeamsInfo.getMember, getPagedMembers and the
 * deprecated getMembers) and the team's details and channels (TeamsInfo.getTeamDetails,
 * getTeamChannels). TeamsInfo asks with the team id (the General channel's id) when an activity
 * came from a channel, so a team id works wherever a conversation id does.
 */

/**
 * A person as the roster APIs return them. Learn's samples show the Entra id as `objectId`; the SDK's
 * TeamsChannelAccount calls it `aadObjectId` (and getMembers copies objectId into it), so both are
 * given. A guest's account has no mail, so `email` is left out, as Teams does.
 */
export function teamsChannelAccount(user: TeamsUserRecord): Json {
  return {
    id: user.id,
    name: user.name,
    aadObjectId: user.aadObjectId,
    objectId: user.aadObjectId,
    givenName: user.givenName,
    surname: user.surname,
    ...(user.email ? { email: user.email } : {}),
    userPrincipalName: user.userPrincipalName,
    tenantId: user.tenantId,
    userRole: user.userRole,
  };
}

/** GET /v3/conversations/{id}/members/{memberId}: by Teams id, UPN or Entra object id. */
export function getMember(tenant: TeamsTenant, conversationId: string, memberId: string): Answer {
  const conversation = tenant.requireConversation(conversationId);
  const wanted = memberId.toLowerCase();
  const member = tenant
    .membersOf(conversation)
    .find(
      (user) => user.id === memberId || user.aadObjectId === wanted || user.userPrincipalName.toLowerCase() === wanted,
    );
  if (!member) throw memberNotFound();
  return { status: 200, body: teamsChannelAccount(member) };
}

/** GET /v3/conversations/{id}/members (deprecated by Teams, still served). */
export function getMembers(tenant: TeamsTenant, conversationId: string): Answer {
  const conversation = tenant.requireConversation(conversationId);
  return { status: 200, body: tenant.membersOf(conversation).map(teamsChannelAccount) };
}

/** GET /v3/conversations/{id}/pagedmembers?pageSize&continuationToken: the continuation token is opaque. */
export function getPagedMembers(tenant: TeamsTenant, conversationId: string, query: Record<string, unknown>): Answer {
  const conversation = tenant.requireConversation(conversationId);
  const members = tenant.membersOf(conversation);
  const asked = Number(query.pageSize ?? PAGE_SIZE.default);
  const size = Math.min(PAGE_SIZE.max, Math.max(PAGE_SIZE.min, Number.isFinite(asked) ? asked : PAGE_SIZE.default));
  const start = query.continuationToken === undefined ? 0 : offsetOf(String(query.continuationToken));
  const page = members.slice(start, start + size);
  const next = start + size < members.length ? tokenFor(start + size) : undefined;
  return {
    status: 200,
    body: { members: page.map(teamsChannelAccount), ...(next ? { continuationToken: next } : {}) },
  };
}

/** GET /v3/teams/{teamId}. */
export function teamDetails(tenant: TeamsTenant, teamId: string): Answer {
  requireTeam(tenant, teamId);
  const { team, channels } = TEAMS_SEED;
  const memberCount = tenant.users.filter((user) => user.teamMember).length;
  const body = {
    id: team.id,
    name: team.name,
    aadGroupId: team.aadGroupId,
    channelCount: Object.keys(channels).length,
    memberCount,
  };
  return { status: 200, body };
}

/** GET /v3/teams/{teamId}/conversations: the General channel's name is null, "to allow for localization". */
export function teamChannels(tenant: TeamsTenant, teamId: string): Answer {
  requireTeam(tenant, teamId);
  const conversations = Object.values(TEAMS_SEED.channels).map((channel) => ({
    id: channel.id,
    name: channel.id === TEAMS_SEED.team.id ? null : channel.name,
  }));
  return { status: 200, body: { conversations } };
}

function requireTeam(tenant: TeamsTenant, teamId: string): ConversationRecord {
  const found = tenant.conversationOf(teamId);
  if (found?.id !== TEAMS_SEED.team.id) throw new ConnectorError(404, 'NotFound', 'Team not found.');
  return found;
}

function tokenFor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function offsetOf(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new ConnectorError(400, 'BadArgument', 'Invalid continuation token');
  return Number(match[1]);
}
