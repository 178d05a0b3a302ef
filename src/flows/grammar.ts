import { parseDuration } from './wording.js';

/**
 * The chat grammar both platforms share (DESIGN.md): `request <what> [for <duration>] [because
 * <reason>]`, `status [<id>]`, `mine`, `pending`, `cancel <id or app>`, `my access`, `help`. Slack reads it after `/access`, Teams from
 * a message to the bot. Parsing never fails: text it cannot read becomes an `unknown` command that
 * adapters answer with the help.
 */
export type ChatCommand =
  | { kind: 'form' }
  | { kind: 'request'; what: string; duration?: string; because?: string }
  | { kind: 'status'; requestId?: string }
  /** `cancel <request id or app name>`: one of the person's own open requests. */
  | { kind: 'cancel'; target: string }
  /** `my access`: what the person holds, and when each time-bound grant ends. */
  | { kind: 'access' }
  | { kind: 'mine' }
  | { kind: 'pending' }
  | { kind: 'help' }
  | { kind: 'unknown'; text: string };

const MAX_COMMAND_LENGTH = 4000;

export function parseCommand(input: string): ChatCommand {
  const text = input.replace(/\s+/g, ' ').trim().slice(0, MAX_COMMAND_LENGTH);
  if (!text) return { kind: 'form' };
  const [verb = '', ...rest] = text.split(' ');
  const args = rest.join(' ').trim();
  switch (verb.toLowerCase()) {
    case 'request':
    case 'req':
      return args ? parseRequest(args) : { kind: 'form' };
    case 'status':
      // An id, or an app's name ("status figma editor"): the flow finds which among the person's requests.
      return { kind: 'status', requestId: args || undefined };
    case 'cancel':
    case 'withdraw':
      return args ? { kind: 'cancel', target: args } : { kind: 'unknown', text };
    case 'my':
      if (/^access$/i.test(args)) return { kind: 'access' };
      return args ? { kind: 'unknown', text } : { kind: 'mine' };
    case 'access':
    case 'have':
      return args ? { kind: 'unknown', text } : { kind: 'access' };
    case 'mine':
    case 'list':
      return args ? { kind: 'unknown', text } : { kind: 'mine' };
    case 'pending':
    case 'approvals':
      return args ? { kind: 'unknown', text } : { kind: 'pending' };
    case 'help':
    case '?':
      return { kind: 'help' };
    default:
      return { kind: 'unknown', text };
  }
}

/**
 * `<what> [for <duration>] [because <reason>]`. "because" may come first, and everything after it
 * is the reason, so a reason may itself say "for": "because I cover for Dana for 2 weeks".
 */
function parseRequest(args: string): ChatCommand {
  let rest = args;
  let because: string | undefined;
  const becauseAt = rest.search(/(^|\s)because(\s|$)/i);
  if (becauseAt >= 0) {
    because =
      rest
        .slice(becauseAt)
        .replace(/^\s*because/i, '')
        .trim() || undefined;
    rest = rest.slice(0, becauseAt).trim();
  }
  let duration: string | undefined;
  // The last "for" starts the duration ("Salesforce for Sales for 4h") when what follows starts
  // like one; otherwise ("access for Salesforce", "Tableau for Q4 Reporting") it is part of the name.
  const padded = ` ${rest}`;
  const at = padded.toLowerCase().lastIndexOf(' for ');
  const tail = at >= 0 ? padded.slice(at + 5).trim() : '';
  if (tail && (/^\d/.test(tail) || /^P/i.test(tail) || parseDuration(tail))) {
    duration = tail;
    rest = padded.slice(0, at).trim();
  }
  if (!rest) return { kind: 'unknown', text: `request ${args}` };
  return { kind: 'request', what: rest, duration, because };
}

/** The help text, in neutral words; adapters wrap it with their own command prefix. */
export function helpLines(prefix: string): string[] {
  return [
    `${prefix} request <what> [for <duration>] [because <reason>] — ask for access, e.g. ${prefix} request Figma Editor for 3 days because design review`,
    `${prefix} status [<request id or app>] — where a request is (without one: your open requests)`,
    `${prefix} mine — your recent requests`,
    `${prefix} cancel <request id or app> — withdraw a request of yours that is still open`,
    `${prefix} my access — what you have, and when time-bound access ends`,
    `${prefix} pending — requests waiting for your decision`,
    `${prefix} help — this message`,
  ];
}
