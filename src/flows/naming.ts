import type { Governance } from '../api/governance.js';
import { type AccessRequest, isOpen, type Principal } from '../domain/types.js';
import { isParty } from './authorization.js';

/** How many of the person's requests a name is looked for among (their most recent). */
const LOOKED_AT = 50;

/**
 * The person's own requests (made by them or for them) that `target` names, as people type it in
 * `cancel <…>` or `status <…>`: a request's id, else the words of its entry's name ("figma",
 * "figma editor"), each word a whole word of the name, in any case. By id, a request that is not
 * theirs is not found, as one that does not exist, so ids cannot be probed.
 */
export async function requestsNamed(
  governance: Governance,
  person: Principal,
  target: string,
  options: { openOnly: boolean },
): Promise<AccessRequest[]> {
  const text = target.trim();
  if (text && !/\s/.test(text)) {
    const byId = await governance.getRequest(text);
    if (byId && isParty(byId, person) && (!options.openOnly || isOpen(byId))) return [byId];
  }
  return requestsByName(governance, person, text, options);
}

/** The person's own requests whose entry's name holds every word of `text`, newest first. */
export async function requestsByName(
  governance: Governance,
  person: Principal,
  text: string,
  options: { openOnly: boolean },
): Promise<AccessRequest[]> {
  const wanted = words(text);
  if (wanted.length === 0) return [];
  const page = await governance.listRequests({
    requestedFor: person.id,
    ...(options.openOnly ? { status: ['pending', 'submitted'] } : {}),
    limit: LOOKED_AT,
  });
  return page.items
    .filter((request) => {
      const name = new Set(words(request.entry.name));
      return wanted.every((word) => name.has(word));
    })
    .sort((a, b) => b.created.localeCompare(a.created));
}

/**
 * Whether what a person typed reads as an id rather than an app's name: one word with a digit in it
 * (PingOne's UUIDs, most of Okta's), or a word shaped like Okta's random ids (20 letters and digits,
 * mixing cases), which hold no digit about one time in twenty.
 */
export function looksLikeAnId(text: string): boolean {
  const word = text.trim();
  if (/\s/.test(word) || !word) return false;
  return /\d/.test(word) || (/^[A-Za-z0-9]{20}$/.test(word) && /[a-z]/.test(word) && /[A-Z]/.test(word));
}

function words(text: string): string[] {
  return text
    .normalize('NFC')
    .toLocaleLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter(Boolean);
}
