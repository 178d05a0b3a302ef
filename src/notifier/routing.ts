import type { ApprovalRoute } from '../config/routes.js';
import type { RequestView } from '../flows/index.js';
import type { Platform } from '../store/index.js';

export type { ApprovalRoute };

/**
 * Which approvals channel a request's card goes to, per platform: the first rule whose pattern
 * matches the catalog entry's id or name wins, otherwise the platform's default channel
 * (APPROVALS_CHANNELS). The rules are parsed with the configuration (src/config/routes.ts).
 */
export class ApprovalRouting {
  private readonly compiled: { route: ApprovalRoute; regex: RegExp }[];

  constructor(
    routes: readonly ApprovalRoute[],
    private readonly defaults: Readonly<Partial<Record<string, string>>>,
  ) {
    this.compiled = routes.map((route) => ({ route, regex: globRegex(route.pattern) }));
  }

  channelFor(request: Pick<RequestView, 'entry'>, platform: Platform): string | undefined {
    for (const { route, regex } of this.compiled) {
      const channel = route.channels[platform];
      if (!channel) continue;
      const subject = route.field === 'entry' ? request.entry.id : request.entry.name;
      if (regex.test(subject)) return channel;
    }
    return this.defaults[platform];
  }

  /** Every channel some rule or default may post to on this platform (for escalations and checks). */
  channelsOn(platform: Platform): string[] {
    const all = this.compiled.map(({ route }) => route.channels[platform]);
    return [...new Set([...all, this.defaults[platform]].filter((c): c is string => Boolean(c)))];
  }
}

function globRegex(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}
