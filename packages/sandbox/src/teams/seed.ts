import { SEED as OKTA_SEED } from '../okta/seed.js';
import type { TeamsUserRecord } from './records.js';

/**
 * The Acme Microsoft 365 tenant as Teams shows it to the bot: the same people as the emulated Okta
 * org (their Entra `mail` and UPN are their Okta `profile.email`, taken from the Okta seed so the two
 * cannot drift), plus a guest whose account has no email and a member Okta does not know. Ids are
 * fixed so docs and tests can name them (`TEAMS_SEED.users.alice.id`). Real Teams user ids are
 * opaque pairwise MRIs (`29:1…`); these keep the shape and stay readable.
 */

const O = OKTA_SEED.users;
const TENANT_ID = '00000000-0000-4000-8000-00000000ac3e';

/** Fixed Entra object ids, one per person, so identity mapping by aadObjectId can be tested. */
const aadObjectId = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;

const person = <const Slug extends string>(
  slug: Slug,
  n: number,
  givenName: string,
  surname: string,
  email: string | null,
  upn = email ?? '',
) => ({
  slug,
  id: `29:1${slug}-sandbox` as const,
  aadObjectId: aadObjectId(n),
  name: `${givenName} ${surname}`,
  givenName,
  surname,
  email,
  userPrincipalName: upn,
});

export const TEAMS_SEED = {
  tenantId: TENANT_ID,
  /** The bot as Teams addresses it: `28:` and the app id (here a readable stand-in, as the sandbox has none). */
  bot: { id: '28:gatehouse-sandbox', name: 'Gatehouse' },
  /** A team's id is its General channel's conversation id, as in Teams. */
  team: { id: '19:acme-general@thread.tacv2', name: 'Acme', aadGroupId: '00000000-0000-4000-a000-00000000ac3e' },
  channels: {
    general: { id: '19:acme-general@thread.tacv2', name: 'General' },
    /** Where approvals are posted (APPROVALS_CHANNELS=teams:19:approvals@thread.tacv2). */
    approvals: { id: '19:approvals@thread.tacv2', name: 'access-approvals' },
  },
  users: {
    alice: person('alice', 1, 'Alice', 'Nguyen', O.alice.email),
    bob: person('bob', 2, 'Bob', 'Martinez', O.bob.email),
    carol: person('carol', 3, 'Carol', 'Okafor', O.carol.email),
    dana: person('dana', 4, 'Dana', 'Kowalski', O.dana.email),
    erin: person('erin', 5, 'Erin', 'Walsh', O.erin.email),
    frank: person('frank', 6, 'Frank', 'Schmidt', O.frank.email),
    grace: person('grace', 7, 'Grace', 'Lee', O.grace.email),
    henry: person('henry', 8, 'Henry', 'Adams', O.henry.email),
    ivan: person('ivan', 9, 'Ivan', 'Petrov', O.ivan.email),
    /** Shares ambiguous@ with jordanLi, as in Okta (Entra keeps UPNs unique, so theirs differ). */
    jordanLee: person('jordanlee', 10, 'Jordan', 'Lee', O.jordanLee.email, O.jordanLee.login),
    jordanLi: person('jordanli', 11, 'Jordan', 'Li', O.jordanLi.email, O.jordanLi.login),
    /** A B2B guest: no `email` in its TeamsChannelAccount, a `#EXT#` UPN; identity mapping must refuse, not guess. */
    guest: person('sam', 12, 'Sam', 'Rivera', null, 'sam_guest#EXT#@acme.onmicrosoft.com'),
    /** A member whose email Okta does not know. */
    stranger: person('zoe', 13, 'Zoe', 'Park', 'zoe@acme.example'),
  },
} as const;

export type SeededTeamsPerson = (typeof TEAMS_SEED.users)[keyof typeof TEAMS_SEED.users];

/** The 1:1 chat between the bot and a person: deterministic, so the same members always give the same chat. */
export function personalConversationId(slug: string): string {
  return `a:1on1-${slug}`;
}

/** Everyone Okta knows is in the Acme team (so in its channels); the guest and the stranger are not. */
export function isTeamMember(person: SeededTeamsPerson): boolean {
  return person.id !== TEAMS_SEED.users.guest.id && person.id !== TEAMS_SEED.users.stranger.id;
}

/** Every person; the app is installed for all of them (an org-wide deployment), so each has a 1:1 chat. */
export function seededUsers(): TeamsUserRecord[] {
  return Object.values(TEAMS_SEED.users).map(
    (seeded): TeamsUserRecord => ({
      id: seeded.id,
      slug: seeded.slug,
      aadObjectId: seeded.aadObjectId,
      name: seeded.name,
      givenName: seeded.givenName,
      surname: seeded.surname,
      ...(seeded.email ? { email: seeded.email } : {}),
      userPrincipalName: seeded.userPrincipalName,
      tenantId: TENANT_ID,
      userRole: seeded.id === TEAMS_SEED.users.guest.id ? 'guest' : 'user',
      teamMember: isTeamMember(seeded),
      installed: true,
    }),
  );
}
