/**
 * Text a person typed, read back from what Slack sent. Slack escapes `&`, `<` and `>` as `&amp;`,
 * `&lt;` and `&gt;` in a slash command's `text` (and in message text), and turns mentions and links
 * into control sequences (`<@U…>`, `<#C…|name>`, `<!here>`, `<https://…|label>`). Commands are
 * parsed, stored and shown from what this returns, so `R&D <Q3>` stays `R&D <Q3>`: stored as typed,
 * escaped once when shown. Only those three entities are undone (`&quot;` stays as it is), and only
 * for text Slack escaped: modal inputs and option searches arrive as typed and must not pass here.
 *
 * Control sequences become what the person saw in the composer: `@here`, `@channel`, `@everyone`, a
 * labelled mention or channel as `@label` / `#label`, a link as its URL, or `label (URL)` when the
 * label says something else, so a reason never hides where its link goes. A user or channel
 * mention without a label stays as Slack sent it (`<@U123>`): the id is all there is to show.
 */
export function typedText(sent: string): string {
  return sent.replace(/<([^<>]*)>|&(amp|lt|gt);/g, (_match, sequence: string | undefined, entity?: string) =>
    sequence === undefined ? (ENTITIES[entity ?? ''] ?? '') : readable(sequence),
  );
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>' };

const decode = (text: string) => text.replace(/&(amp|lt|gt);/g, (_match, entity: string) => ENTITIES[entity] ?? '');

/** `@U…|label`, `#C…|label`, `!here`, `!subteam^S…|@team`, `!date^…|fallback`, `https://…|label`. */
function readable(sequence: string): string {
  const bar = sequence.indexOf('|');
  const target = bar === -1 ? sequence : sequence.slice(0, bar);
  const label = bar === -1 ? undefined : decode(sequence.slice(bar + 1));
  if (target.startsWith('@') || target.startsWith('#')) {
    if (!label) return `<${decode(target)}>`;
    return label.startsWith(target[0] ?? '') ? label : `${target[0]}${label}`;
  }
  if (target.startsWith('!')) {
    const name = target.slice(1).split('^')[0] ?? '';
    if (label) return label;
    return ['here', 'channel', 'everyone'].includes(name) ? `@${name}` : `<${decode(target)}>`;
  }
  const url = decode(target);
  if (!label) return url;
  const bare = url.replace(/^(?:[a-z][a-z0-9+.-]*:)(?:\/\/)?/i, '');
  return label === url || label === bare || `${label}/` === bare ? label : `${label} (${url})`;
}
