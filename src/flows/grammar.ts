import { parseDuration } from './wording.js';

/**
 * The chat grammar both platforms share (DESIGN.md): `request <what> [for <duration>] [because
 * <reason>]`, `status [<id>]`, `mine`, `pending`, `cancel <id or app>`, `my access`, `delegate
 * [<person> [until <date>] [because <note>] | off]`, `help`. Slack reads it after `/access`, Teams from
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
  /**
   * `delegate <person> [until <date>] [because <note>]`. `to` is the person as the platform sent it
   * (Slack `<@U123>` or `<@U123|name>`, Teams `<at>Name</at>`), `until` the date as typed; adapters
   * and the flow read them.
   */
  | { kind: 'delegate'; to: string; until?: string; note?: string }
  /** `delegate off|end|stop|none`: the person's delegate stops standing in. */
  | { kind: 'delegate-end' }
  /** `delegate` alone: who stands in for the person, if anyone. */
  | { kind: 'delegate-show' }
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
    case 'delegate':
      return parseDelegate(args);
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
  } else {
    // "figma for 3 days for design review": what follows a duration is no part of any name.
    const middle = durationInMiddle(padded);
    if (middle) {
      duration = middle.duration;
      rest = middle.what;
      because = joinReason(middle.reason, because);
    }
  }
  if (!rest) return { kind: 'unknown', text: `request ${args}` };
  return { kind: 'request', what: rest, duration, because };
}

/**
 * Where words after a "for" that is not a duration may be the reason rather than part of the
 * name: "figma for design review" is Figma, for a design review; "Tableau for Q4 Reporting" may be
 * one entry's whole name. Grammar cannot tell without the catalog, so it offers the readings and the
 * flow asks the catalog (the whole text first, then these): the longest name first (the last
 * "for"), then the shortest (the first "for"), so a reason may say "for" too.
 */
export function namesBeforeFor(what: string): { what: string; reason: string }[] {
  const padded = ` ${what}`;
  const lower = padded.toLowerCase();
  const readings: { what: string; reason: string }[] = [];
  for (const at of new Set([lower.lastIndexOf(' for '), lower.indexOf(' for ')])) {
    if (at < 0) continue;
    const name = padded.slice(0, at).trim();
    const reason = padded.slice(at + 5).trim();
    if (name && reason) readings.push({ what: name, reason });
  }
  return readings;
}

/** The reason from words after "for" and the one after "because", as one: "design review, because board deck". */
export function joinReason(forWords: string | undefined, because: string | undefined): string | undefined {
  if (forWords && because) return `${forWords}, because ${because}`;
  return forWords || because || undefined;
}

/**
 * `[<person> [until <date>] [because <note>]] | off|end|stop|none`. The note is everything after
 * "because", so it may itself say "until"; the date is what follows the last "until" before it.
 */
function parseDelegate(args: string): ChatCommand {
  if (!args) return { kind: 'delegate-show' };
  if (/^(off|end|stop|none)$/i.test(args)) return { kind: 'delegate-end' };
  let rest = args;
  let note: string | undefined;
  const becauseAt = rest.search(/(^|\s)because(\s|$)/i);
  if (becauseAt >= 0) {
    note =
      rest
        .slice(becauseAt)
        .replace(/^\s*because/i, '')
        .trim() || undefined;
    rest = rest.slice(0, becauseAt).trim();
  }
  let until: string | undefined;
  const padded = ` ${rest}`;
  const at = padded.toLowerCase().lastIndexOf(' until ');
  if (at >= 0) {
    until = padded.slice(at + 7).trim() || undefined;
    rest = padded.slice(0, at).trim();
  }
  if (!rest) return { kind: 'unknown', text: `delegate ${args}` };
  return { kind: 'delegate', to: rest, ...(until ? { until } : {}), ...(note ? { note } : {}) };
}

/** `<what> for <duration> for <reason>`, the duration read strictly (it is not the last "for"). */
function durationInMiddle(padded: string): { what: string; duration: string; reason: string } | undefined {
  const lower = padded.toLowerCase();
  for (let at = lower.indexOf(' for '); at >= 0; at = lower.indexOf(' for ', at + 1)) {
    const next = lower.indexOf(' for ', at + 5);
    if (next < 0) return undefined;
    const duration = padded.slice(at + 5, next).trim();
    const what = padded.slice(0, at).trim();
    const reason = padded.slice(next + 5).trim();
    if (what && reason && parseDuration(duration)) return { what, duration, reason };
  }
  return undefined;
}

/** The help text, in neutral words; adapters wrap it with their own command prefix. */
export function helpLines(prefix: string): string[] {
  return [
    `${prefix} request <what> [for <duration>] [because <reason>] — ask for access, e.g. ${prefix} request Figma Editor for 3 days because design review; left out a reason or duration it needs? The form opens with what you typed. Already have it? I say so, with Extend if it ends`,
    `${prefix} status [<request id or app>] — where a request is (without one: your open requests)`,
    `${prefix} mine — your recent requests`,
    `${prefix} cancel <request id or app> — withdraw a request of yours that is still open`,
    `${prefix} my access — what you have, and when time-bound access ends`,
    `${prefix} pending — requests waiting for your decision`,
    `${prefix} delegate <person> [until <date>] [because <note>] — someone decides your approvals while you are away (${prefix} delegate off ends it; ${prefix} delegate alone shows who)`,
    `${prefix} help — this message`,
  ];
}
