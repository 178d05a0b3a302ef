import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type SigningKey, signingKeyOf } from '../../config/signing-key.js';
import type { PingOnePersonGrant } from '../../config.js';
import {
  type GovernanceOperation,
  GovernanceProtocolError,
  GovernanceRejected,
  GovernanceUnavailable,
} from '../../domain/errors.js';
import type { Principal } from '../../domain/types.js';
import type { Authorizer } from '../http.js';

/** RFC 7523 §2.1: a JWT as an authorization grant. */
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * How long an assertion is good for: frodo's own flow gives three minutes
 * (frodo-lib src/ops/AdminOps.ts, executeRfc7523AuthZGrantFlow); AM refuses more than 30.
 */
const ASSERTION_LIFETIME_S = 180;
/** Renew this long before expiry (at most half the token's life) so a token never dies in flight. */
const EXPIRY_MARGIN_MS = 60_000;
/** People whose tokens are kept at once; the least recently used is dropped beyond. */
const MAX_PEOPLE = 1_000;

/** PingOne would not give Gatehouse a token acting as this person: nothing was sent to IGA. */
export class PersonGrantRefused extends GovernanceRejected {
  constructor(
    operation: GovernanceOperation,
    status: number,
    readonly oauthError?: string,
  ) {
    super(operation, 'PingOne did not let Gatehouse act as you.', status, oauthError);
  }
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });
const oauthProblem = z.object({ error: z.string().optional(), error_description: z.string().optional() });

interface CachedToken {
  header: string;
  until: number;
}

export interface PersonTokensOptions {
  timeoutMs: number;
  now: () => number;
  logger?: Logger;
}

/**
 * Tokens that act as one person on PingOne, from the RFC 7523 JWT bearer grant as
 * `frodo admin generate-rfc7523-authz-grant-artefacts` sets it up: Gatehouse, as the trusted
 * issuer, signs an assertion whose `sub` is the person's managed-user id and posts it to the
 * realm's access_token endpoint (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
 * `assertion`, `client_id`, `scope`). Each person's token is kept until shortly before it expires,
 * for at most MAX_PEOPLE people, and concurrent calls for one person share one token request.
 */
export class PingOnePersonTokens {
  private readonly key: SigningKey;
  private readonly audience: string | string[];
  private readonly cache = new LRUCache<string, CachedToken>({ max: MAX_PEOPLE });
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly grant: PingOnePersonGrant,
    private readonly options: PersonTokensOptions,
  ) {
    this.key = signingKeyOf(grant.privateKey, 'PINGONE_PERSON_PRIVATE_KEY');
    this.audience = audienceOf(grant.tokenUrl);
  }

  /**
   * The authorizer for one call acting as `person`. A 401 on a token that came from the cache
   * (revoked, or expired early) is taken as a challenge: the token is dropped and the call sent
   * once more with a fresh one; IGA did nothing with the refused call, so this holds for writes.
   */
  authorizerFor(person: Principal, operation: GovernanceOperation): Authorizer {
    let reused = false;
    return {
      headers: async () => {
        const cached = this.fresh(person.id);
        reused = Boolean(cached);
        const token = cached ?? (await this.fetchShared(person, operation));
        return { authorization: token.header };
      },
      invalidate: () => {
        this.cache.delete(person.id);
      },
      acceptChallenge: () => {
        if (!reused) return false;
        reused = false;
        this.cache.delete(person.id);
        return true;
      },
    };
  }

  private fresh(personId: string): CachedToken | undefined {
    const cached = this.cache.get(personId);
    if (cached && cached.until > this.options.now()) return cached;
    if (cached) this.cache.delete(personId);
    return undefined;
  }

  private fetchShared(person: Principal, operation: GovernanceOperation): Promise<CachedToken> {
    let pending = this.pending.get(person.id);
    if (!pending) {
      pending = this.fetchToken(person, operation).finally(() => this.pending.delete(person.id));
      this.pending.set(person.id, pending);
    }
    return pending;
  }

  private async fetchToken(person: Principal, operation: GovernanceOperation): Promise<CachedToken> {
    const form = new URLSearchParams({
      grant_type: JWT_BEARER,
      assertion: await this.assertion(person.id),
      scope: this.grant.scopes.join(' '),
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    // frodo's client is public (token endpoint auth method "none"): it names itself in the form.
    if (this.grant.clientSecret) {
      headers.authorization = `Basic ${Buffer.from(`${this.grant.clientId}:${this.grant.clientSecret}`).toString('base64')}`;
    } else {
      form.set('client_id', this.grant.clientId);
    }
    let response: Response;
    try {
      response = await fetch(this.grant.tokenUrl, {
        method: 'POST',
        headers,
        body: form,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new GovernanceUnavailable(operation, 'PingOne token endpoint unreachable', false, { cause: error });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      const problem = oauthProblem.safeParse(body);
      const said = problem.success ? problem.data : {};
      this.options.logger?.error(
        { person: person.id, status: response.status, error: said.error, description: said.error_description },
        'PingOne refused the person grant: check PINGONE_PERSON_* against the OAuth client and trusted JWT issuer ' +
          '(frodo admin generate-rfc7523-authz-grant-artefacts)',
      );
      throw new PersonGrantRefused(operation, response.status, said.error);
    }
    if (!response.ok) {
      throw new GovernanceUnavailable(operation, `PingOne token endpoint answered ${response.status}`);
    }
    const parsed = tokenAnswer.safeParse(body);
    if (!parsed.success) throw new GovernanceProtocolError(operation, 'unreadable answer to the person grant');
    const lifetimeMs = (parsed.data.expires_in ?? 300) * 1000;
    const token = {
      header: `Bearer ${parsed.data.access_token}`,
      until: this.options.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 2),
    };
    this.cache.set(person.id, token);
    return token;
  }

  /**
   * The assertion, as frodo's executeRfc7523AuthZGrantFlow makes it: `iss` the trusted issuer,
   * `sub` the person's id in the realm ("typically a UUID. Must resolve to a valid user in the
   * realm", frodo-cli's --sub), `aud` the token endpoint, `exp` a few minutes on, a `jti`.
   */
  private assertion(subject: string): Promise<string> {
    const now = Math.floor(this.options.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: this.key.alg, typ: 'JWT', ...(this.grant.keyId ? { kid: this.grant.keyId } : {}) })
      .setIssuer(this.grant.issuer)
      .setSubject(subject)
      .setAudience(this.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_S)
      .setJti(randomUUID())
      .sign(this.key.key);
  }
}

/**
 * The token endpoint as the audience: AM takes a string or an array that contains its token
 * endpoint. frodo writes it with the port spelled out (`https://host:443/am/…`, its
 * getAccessTokenUrl), where a URL usually leaves it out; both forms are sent, so either reading of
 * "the token endpoint" finds itself.
 */
function audienceOf(tokenUrl: string): string | string[] {
  const url = new URL(tokenUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const withPort = `${url.protocol}//${url.hostname}:${port}${url.pathname}`;
  return withPort === tokenUrl ? tokenUrl : [tokenUrl, withPort];
}
