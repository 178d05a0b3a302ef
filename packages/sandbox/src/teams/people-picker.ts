import type { ConversationRecord, Json, TeamsUserRecord } from './records.js';
import type { SearchResult } from './search.js';
import type { TeamsTenant } from './tenant.js';

/**
 * The People Picker (Teams docs, "People Picker in Adaptive Cards"): an Input.ChoiceSet whose
 * `choices.data` is `{ type: 'Data.Query', dataset: 'graph.microsoft.com/users' }` is searched by
 * Teams itself in the organisation's directory, never by the bot (no `application/search` invoke
 * reaches it); `graph.microsoft.com/users?scope=currentContext` searches the members of the
 * conversation the card is in. The value of a pick is the person's Entra (AAD) object id; several
 * picks (isMultiSelect) are sent comma-separated, as any multi-select choice set's values are.
 */

export const PEOPLE_DATASET = 'graph.microsoft.com/users';
export const PEOPLE_IN_CONVERSATION_DATASET = 'graph.microsoft.com/users?scope=currentContext';

export function isPeopleDataset(dataset: string): boolean {
  return dataset === PEOPLE_DATASET || dataset === PEOPLE_IN_CONVERSATION_DATASET;
}

/** Who the picker can offer there: everyone in the tenant, or the conversation's members. */
function pickable(tenant: TeamsTenant, dataset: string, conversation: ConversationRecord): TeamsUserRecord[] {
  return dataset === PEOPLE_IN_CONVERSATION_DATASET ? tenant.membersOf(conversation) : [...tenant.users];
}

/**
 * What the picker lists for typed text: people whose name, mail or UPN contain it (case-insensitive),
 * by name, as `{ title: name, value: Entra object id }`. How Teams ranks and matches is not
 * documented; a substring match is the lenient reading.
 */
export function searchPeople(
  tenant: TeamsTenant,
  dataset: string,
  conversation: ConversationRecord,
  queryText: string,
  page: { skip: number; top: number },
): SearchResult[] {
  const wanted = queryText.trim().toLowerCase();
  return pickable(tenant, dataset, conversation)
    .filter((user) =>
      [user.name, user.email ?? '', user.userPrincipalName].some((field) => field.toLowerCase().includes(wanted)),
    )
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(page.skip, page.skip + page.top)
    .map((user) => ({ title: user.name, value: user.aadObjectId }));
}

/**
 * Why a value given for a People Picker input is one Teams could not have sent: each comma-separated
 * part must be the Entra object id of someone the picker offers there (one only without isMultiSelect).
 */
export function pickProblems(
  tenant: TeamsTenant,
  input: Json,
  conversation: ConversationRecord,
  given: string,
): string[] {
  const query = input['choices.data'] as Json;
  const dataset = String(query.dataset);
  if (!isPeopleDataset(dataset) || given === '') return [];
  const parts = given.split(',');
  if (parts.length > 1 && input.isMultiSelect !== true) {
    return [`${String(input.id)} picks one person; ${parts.length} were given`];
  }
  const offered = new Set(pickable(tenant, dataset, conversation).map((user) => user.aadObjectId));
  return parts
    .filter((part) => !offered.has(part))
    .map((part) =>
      tenant.findUser(part)
        ? `${part} is not an Entra object id the people picker ${String(input.id)} offers there (give aadObjectId)`
        : `${part} is no one in the tenant's directory`,
    );
}
