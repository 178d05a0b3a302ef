import { parseDuration } from './wording.js';

/**
 * The chat grammar both platforms share (DESIGN.md): `request <what> [for <duration>] [because
 * <reason>]`, `status [<id>]`, `mine`, `pending`, `help`. Slack reads it after `/access`, Teams from
 * a message to the bot. Parsing never fails: text it cannot read becomes an `unknown` command that
 * adapters answer with the help.
 */
export type ChatCommand =
  | { kind: 'form' }
  | { kind: 'request'; what: string; duration?: string; because?: string }
  | { kind: 'status'; requestId?: string }
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
      return args.includes(' ') ? { kind: 'unknown', text } : { kind: 'status', requestId: args || undefined };
    case 'mine':
    case 'my':
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
    `${prefix} status [<request id>] — where a request is (without an id: your open requests)`,
    `${prefix} mine — your recent requests`,
    `${prefix} pending — requests waiting for your decision`,
    `${prefix} help — this message`,
  ];
}
