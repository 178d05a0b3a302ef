import { type TeamsChannelAccount, TeamsInfo, type TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { ChatIdentity } from '../../flows/index.js';
import type { TeamsPeople } from './people.js';

/** What Teams said about a person named by id: who they are, nobody by that id, or nothing just now. */
export type DirectoryAnswer = { found: ChatIdentity } | { missing: 'not_found' | 'unavailable' };

/**
 * A person someone else names in Teams (picked in a people picker, which gives their Entra object
 * id; @mentioned, which gives their Teams id; or written as their sign-in name) as a chat identity
 * with the e-mail Teams holds for them. Bots have no directory search of their own: Teams answers
 * "get member" by Teams id, UPN or Entra object id, for members of a conversation the bot is in.
 * So the person is looked up in the conversation the action came from (in a 1:1 chat that finds
 * only the presser), then in the approvals channel's team, the roster the notifier relies on too.
 * Someone in neither is "not found": never guessed from a display name.
 */
export class TeamsDirectory {
  constructor(
    private readonly people: TeamsPeople,
    private readonly options: { approvalsChannel?: string; logger: Logger },
  ) {}

  async find(context: TurnContext, memberId: string): Promise<DirectoryAnswer> {
    const id = memberId.trim();
    // Entra object ids, Teams ids ("29:…") and UPNs are short; anything else names nobody.
    if (!id || id.length > 300 || /[\s/?#]/.test(id)) return { missing: 'not_found' };
    let unavailable = false;
    const places: (() => Promise<TeamsChannelAccount>)[] = [() => TeamsInfo.getMember(context, id)];
    const channel = this.options.approvalsChannel;
    if (channel && channel !== context.activity.conversation?.id?.split(';')[0]) {
      places.push(() => TeamsInfo.getTeamMember(context, channel, id));
    }
    for (const lookup of places) {
      try {
        const member = await lookup();
        if (member?.id) return { found: await this.identityOf(member) };
      } catch (err) {
        if (notFound(err)) continue;
        unavailable = true;
        this.options.logger.warn({ err }, 'Teams member lookup for a named person failed');
      }
    }
    return { missing: unavailable ? 'unavailable' : 'not_found' };
  }

  private async identityOf(member: TeamsChannelAccount): Promise<ChatIdentity> {
    const email = member.email ?? undefined;
    // Remembered as any member met is, so cards and notices can reach them in Teams later.
    if (email) await this.people.learn(email, member.id).catch(() => undefined);
    return { platform: 'teams', userId: member.id, email, displayName: member.name || undefined };
  }
}

/** Teams answers 404 (MemberNotFoundInConversation) for someone not there, 400 for an id of no one. */
function notFound(err: unknown): boolean {
  const status = (err as { statusCode?: unknown })?.statusCode;
  return status === 404 || status === 400;
}
