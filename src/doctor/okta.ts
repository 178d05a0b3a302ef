import type { z } from 'zod';
import type { Authorizer } from '../api/http.js';
import { createAuthorizer } from '../api/okta/auth.js';
import { accessRequestList, catalogEntryList, grantList, oktaUserList, taskList } from '../api/okta/wire.js';
import type { Config, OktaAuth } from '../config.js';
import { GovernanceAuthFailed } from '../domain/errors.js';
import { type Check, type DoctorTimeouts, unchecked } from './finding.js';
import { oauthFindings, obtainToken, sswsFinding, type TokenOutcome } from './okta-credentials.js';
import { FAMILIES, type FamilyName, familyFinding, hasScope } from './okta-families.js';
import { EVENT_HOOKS_SCOPE, eventHookList, hookFinding, hookSettings } from './okta-hooks.js';
import { orgFinding } from './okta-org.js';
import { type Probe, probe } from './okta-probe.js';
import { rateLimitFinding } from './okta-rate-limits.js';
import { oncePerKey } from './once.js';

type OktaGovernance = Extract<Config['governance'], { provider: 'okta' }>;

/**
 * Everything the Okta checks ask the org, each asked once and shared: the credentials line and
 * the users line read the same answer, the rate-limit line reads every family's headers. Only
 * reads: GETs, and for OAuth the token requests Gatehouse itself makes.
 */
class OktaSession {
  private readonly once = oncePerKey();
  readonly authorizer: Authorizer;

  constructor(
    readonly orgUrl: string,
    readonly auth: OktaAuth,
    readonly timeouts: DoctorTimeouts,
  ) {
    this.authorizer = createAuthorizer(orgUrl, auth, timeouts.requestMs);
  }

  token(): Promise<TokenOutcome> {
    return this.once('token', () => obtainToken(this.authorizer, this.orgUrl));
  }

  /** A token for these scopes alone, from a fresh authorizer: how a refused scope is named. */
  tokenFor(scopes: string[]): Promise<TokenOutcome> {
    if (this.auth.kind !== 'private_key_jwt') return Promise.resolve({ ok: true, dpop: false });
    const auth = { ...this.auth, scopes };
    return this.once(`token:${scopes.join(' ')}`, () =>
      obtainToken(createAuthorizer(this.orgUrl, auth, this.timeouts.requestMs), this.orgUrl),
    );
  }

  private get<T>(key: string, run: (authorizer: Authorizer) => Promise<Probe<T>>): Promise<Probe<T>> {
    return this.once(key, async () => {
      await this.token();
      return run(this.authorizer);
    });
  }

  private options(authorizer: Authorizer) {
    return { orgUrl: this.orgUrl, authorizer, timeoutMs: this.timeouts.requestMs };
  }

  private catalog() {
    return this.get('catalog', (a) =>
      probe(this.options(a), FAMILIES.catalog.path, catalogEntryList, { filter: 'not(parent pr)', limit: 1 }),
    );
  }

  private requests() {
    return this.get('requests', (a) => probe(this.options(a), FAMILIES.requests.path, accessRequestList, { limit: 1 }));
  }

  /** The family's read; grants only when something named a resource to ask about. */
  family(name: FamilyName): Promise<Probe<unknown> | NoResource> {
    switch (name) {
      case 'users':
        return this.get(name, (a) => probe(this.options(a), FAMILIES.users.path, oktaUserList, { limit: 1 }));
      case 'catalog':
        return this.catalog();
      case 'requests':
        return this.requests();
      case 'tasks':
        return this.get(name, (a) => probe(this.options(a), FAMILIES.tasks.path, taskList, { limit: 1 }));
      case 'grants':
        return this.once(name, () => this.grants());
    }
  }

  users(): Promise<Probe<unknown>> {
    return this.get('users', (a) => probe(this.options(a), FAMILIES.users.path, oktaUserList, { limit: 1 }));
  }

  /**
   * Okta lists grants one resource at a time (the filter must name `target.externalId` and
   * `target.type`), so the doctor asks about a resource someone asked for (the listed request's),
   * else the first catalog entry's (its `relatedEntity` link): at most one grant is read, and not
   * shown.
   */
  private async grants(): Promise<Probe<unknown> | NoResource> {
    const [requests, catalog] = await Promise.all([this.requests(), this.catalog()]);
    const target = resourceOfRequest(requests) ?? resourceOfEntry(catalog);
    if (!target) {
      // When the reads before failed for want of credentials or an answer, grants would too (the
      // catalog's refusal stands for them, without its rate-limit headers, which are the catalog's).
      if (catalog.kind === 'no-token' || catalog.kind === 'unreachable') return catalog;
      if (catalog.kind === 'rate-limited' || (catalog.kind === 'refused' && catalog.status === 401)) {
        return { ...catalog, headers: new Headers() };
      }
      return { kind: 'no-resource' };
    }
    return probe(this.options(this.authorizer), FAMILIES.grants.path, grantList, {
      filter: `target.externalId eq "${target.id}" AND target.type eq "${target.type}"`,
      limit: 1,
    });
  }

  /** The org's event hooks, with a token of their own scope when the configured ones lack it. */
  eventHooks() {
    return this.once('eventHooks', async () => {
      let authorizer = this.authorizer;
      if (this.auth.kind === 'private_key_jwt' && !hasScope(this.auth.scopes, EVENT_HOOKS_SCOPE)) {
        authorizer = createAuthorizer(
          this.orgUrl,
          { ...this.auth, scopes: [EVENT_HOOKS_SCOPE] },
          this.timeouts.requestMs,
        );
        const token = await obtainToken(authorizer, this.orgUrl);
        if (!token.ok && token.error instanceof GovernanceAuthFailed) return { kind: 'scope-refused' as const };
      } else {
        await this.token();
      }
      return probe(this.options(authorizer), '/api/v1/eventHooks', eventHookList);
    });
  }
}

/** Grants were not read: nothing named a resource to ask about. */
type NoResource = { kind: 'no-resource' };

/** Grants are listed per app: `target.type` is APPLICATION only in Okta's document (listGrants). */
interface Resource {
  id: string;
  type: 'APPLICATION';
}

const RESOURCE_ID = /^[A-Za-z0-9]+$/;

function resourceOfRequest(requests: Probe<z.infer<typeof accessRequestList>>): Resource | undefined {
  if (requests.kind !== 'answered') return undefined;
  const { resourceId, resourceType } = requests.body.data[0]?.requested ?? {};
  if (!resourceId || !RESOURCE_ID.test(resourceId)) return undefined;
  return resourceType === 'APPLICATION' ? { id: resourceId, type: resourceType } : undefined;
}

/** A catalog entry's app, from its `relatedEntity` link (`/api/v1/apps/{id}`). */
function resourceOfEntry(catalog: Probe<z.infer<typeof catalogEntryList>>): Resource | undefined {
  if (catalog.kind !== 'answered') return undefined;
  const related = catalog.body.data[0]?._links?.relatedEntity;
  const href = (Array.isArray(related) ? related[0] : related)?.href ?? '';
  const match = /\/api\/v1\/apps\/([^/?#]+)$/.exec(href);
  if (!match?.[1] || !RESOURCE_ID.test(match[1])) return undefined;
  return { id: match[1], type: 'APPLICATION' };
}

/** The Okta checks, in the order an operator fixes things: reach, sign in, each API, budgets, hooks. */
export function oktaChecks(config: Readonly<Config>, governance: OktaGovernance, timeouts: DoctorTimeouts): Check[] {
  const { orgUrl, auth } = governance;
  const session = new OktaSession(orgUrl, auth, timeouts);
  const familyCheck = (name: FamilyName): Check => ({
    subject: FAMILIES[name].subject,
    run: async () => {
      const result = await session.family(name);
      if (result.kind === 'no-resource') {
        return unchecked(
          FAMILIES.grants.subject,
          'not checked: Okta lists grants per resource, and no catalog entry or request named one to ask about.',
        );
      }
      return familyFinding(FAMILIES[name], result, auth);
    },
  });
  return [
    { subject: 'Okta org', run: () => orgFinding(orgUrl, timeouts.requestMs) },
    {
      subject: 'Okta credentials',
      run: async () => {
        const token = await session.token();
        const users = await session.users();
        if (auth.kind === 'ssws') return sswsFinding(users);
        return oauthFindings(orgUrl, auth, token, users, (scope) => session.tokenFor([scope]));
      },
    },
    familyCheck('users'),
    familyCheck('catalog'),
    familyCheck('requests'),
    familyCheck('tasks'),
    familyCheck('grants'),
    {
      subject: 'rate limits',
      run: async () => {
        const names = Object.keys(FAMILIES) as FamilyName[];
        const results = await Promise.all(names.map(async (name) => [name, await session.family(name)] as const));
        const answered = results.flatMap(([name, result]) => (result.kind === 'no-resource' ? [] : [[name, result]]));
        return rateLimitFinding(Object.fromEntries(answered), config.notifier, auth);
      },
    },
    {
      subject: 'event hook',
      run: async () => {
        const settings = hookSettings(config);
        if ('finding' in settings) return settings.finding;
        return hookFinding(settings.url, await session.eventHooks());
      },
    },
  ];
}
