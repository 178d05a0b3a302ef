import { z } from 'zod';
import type { PingOneAuth } from '../../config.js';
import {
  type GatehouseError,
  GovernanceAuthFailed,
  GovernanceNotFound,
  type GovernanceOperation,
  GovernanceProtocolError,
  GovernanceRejected,
  GovernanceUnavailable,
} from '../../domain/errors.js';
import type { RateFamilies } from '../budget.js';
import { type Authorizer, VendorHttp, type VendorHttpOptions } from '../http.js';

export interface PingOneHttpOptions extends VendorHttpOptions {
  tenantUrl: string;
  auth: PingOneAuth;
}

/** PingOne AIC over HTTP: a bearer token (given, or from client credentials), CREST errors. */
export class PingOneHttp extends VendorHttp {
  constructor(options: PingOneHttpOptions) {
    // Said once at error level, with the fix: the callers' own logs repeat each refusal after.
    let told = false;
    super(
      {
        provider: 'pingone',
        name: 'PingOne',
        baseUrl: options.tenantUrl,
        authorizer: authorizerFor(options.auth, options.timeoutMs ?? 10_000),
        errorFromResponse(operation, status, body) {
          const error = errorFromResponse(operation, status, body);
          if (error instanceof IgaRefusedToken && !told) {
            told = true;
            options.logger?.error({ operation, status, vendorCode: error.vendorCode }, error.message);
          }
          return error;
        },
        headers: { 'accept-api-version': 'resource=1.0' },
        rateFamilies: PINGONE_RATE_FAMILIES,
      },
      options,
    );
  }
}

/**
 * PingOne AIC publishes no rate-limit headers and no per-endpoint figures, so its budget is assumed:
 * a window per service (IGA's governance API, IDM's managed objects, AM), at a figure the operator
 * can set (`rateLimits`). Only Gatehouse's own work is held to it; a person is held back only when
 * the tenant itself answers 429.
 */
export const PINGONE_RATE_FAMILIES: RateFamilies = {
  familyOf(path) {
    if (path.startsWith('/iga/')) return 'iga';
    if (path.startsWith('/openidm/')) return 'idm';
    return path.startsWith('/am/') ? 'am' : 'other';
  },
  defaultLimit: () => 600,
  windowMs: 60_000,
};

/** Calls to PingOne's IDM (managed users) and its token endpoint; every other operation is IGA's. */
const NOT_IGA: ReadonlySet<GovernanceOperation> = new Set(['findPrincipalByEmail', 'getPrincipal', 'token']);

const IGA_REFUSED_TOKEN: string =
  "Gatehouse cannot use PingOne's governance API: its token lacks what IGA needs (see the README, " +
  "'PingOne: Gatehouse's own token'). Nothing was changed; your administrator has been told.";

/**
 * IGA refused Gatehouse's own token (401/403 on anything but a person's action). Ping's guide
 * ("Generate an access token for the Identity Governance API") says the standard service-account
 * token "doesn't work" with IGA without a token-modification script and OAuth 2.0 provider
 * overrides, and that is what this most often means: the token was accepted by AM and IDM, not IGA.
 */
export class IgaRefusedToken extends GovernanceAuthFailed {
  // GovernanceAuthFailed types its message as its one sentence (src/domain); this refusal says more.
  override readonly userMessage = IGA_REFUSED_TOKEN as GovernanceAuthFailed['userMessage'];

  constructor(operation: GovernanceOperation, status: number, vendorCode?: string) {
    super(operation, status, vendorCode);
    this.message =
      `${operation}: PingOne IGA refused Gatehouse's token (HTTP ${status}${vendorCode ? ` ${vendorCode}` : ''}). ` +
      'Unless the token is wrong or expired, it lacks what IGA needs: IGA takes a token from an OAuth ' +
      'client set up as Ping\'s guide "Generate an access token for the ' +
      'Identity Governance API" says: a custom Service application with scopes fr:idm:* fr:iga:*, the ' +
      "guide's token-modification script and OAuth 2.0 provider overrides; give that client as " +
      "PINGONE_CLIENT_ID/PINGONE_CLIENT_SECRET (README, 'PingOne: Gatehouse's own token'). " +
      '`npm run doctor` shows what the token holds.';
  }
}

/** ForgeRock's CREST error: `{ code, reason, message, detail }`. */
const crestError = z.object({
  code: z.number().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** Actions a person takes on a request: there a 403 is IGA saying no to that person, not to Gatehouse. */
const ACTIONS: ReadonlySet<GovernanceOperation> = new Set([
  'decide',
  'comment',
  'cancel',
  // Forwarding a phase (`_action=reassign`).
  'forward' satisfies GovernanceOperation,
]);

export function errorFromResponse(operation: GovernanceOperation, status: number, body: unknown): GatehouseError {
  const parsed = crestError.safeParse(body);
  const crest = parsed.success ? parsed.data : {};
  // IGA lets only a phase's actors decide it (Ping's UI offers approve and reject in the actor's
  // own view alone), so a 403 on an action means "not allowed for this person": Gatehouse's
  // credentials are fine, and its reads still work.
  if (status === 403 && ACTIONS.has(operation)) {
    return new GovernanceRejected(
      operation,
      'PingOne does not allow you to do this on this request.',
      403,
      crest.reason,
    );
  }
  if (status === 401 || status === 403) {
    // Gatehouse's own token, on IGA (a person's actions are taken above, and by actions.ts).
    return NOT_IGA.has(operation) || ACTIONS.has(operation)
      ? new GovernanceAuthFailed(operation, status, crest.reason)
      : new IgaRefusedToken(operation, status, crest.reason);
  }
  if (status === 404) return new GovernanceNotFound(operation, 'That item');
  if (status >= 400 && status < 500) {
    return new GovernanceRejected(
      operation,
      crest.message ?? `Request refused (HTTP ${status}).`,
      status,
      crest.reason,
    );
  }
  return new GovernanceUnavailable(operation, `HTTP ${status} ${crest.reason ?? ''} ${crest.message ?? ''}`.trim());
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });
const oauthProblem = z.object({ error: z.string().optional(), error_description: z.string().optional() }).loose();

type ClientCredentials = Extract<PingOneAuth, { kind: 'client_credentials' }>;

/**
 * What PingOne's access_token endpoint answered: a token, or the status and OAuth error
 * (RFC 6749 §5.2) it gave instead. A 2xx status with `ok: false` is an answer without a readable token.
 */
export type ServiceTokenAnswer =
  | { ok: true; accessToken: string; expiresIn?: number }
  | { ok: false; status: number; error?: string; errorDescription?: string };

/**
 * Gatehouse's client-credentials request (Basic client authentication, `grant_type` and `scope`
 * in the form): the one the client's authorizer makes, and the doctor. Throws
 * GovernanceUnavailable, its cause the network error, when the endpoint cannot be reached.
 */
export async function requestServiceToken(auth: ClientCredentials, timeoutMs: number): Promise<ServiceTokenAnswer> {
  let response: Response;
  try {
    response = await fetch(auth.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: auth.scopes.join(' ') }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new GovernanceUnavailable('token', 'PingOne token endpoint unreachable', false, { cause: error });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const said = oauthProblem.safeParse(body);
    return {
      ok: false,
      status: response.status,
      error: said.success ? said.data.error : undefined,
      errorDescription: said.success ? said.data.error_description : undefined,
    };
  }
  const parsed = tokenAnswer.safeParse(body);
  if (!parsed.success) return { ok: false, status: response.status };
  return { ok: true, accessToken: parsed.data.access_token, expiresIn: parsed.data.expires_in };
}

/** Renew this long before expiry so a token never dies in flight. */
const EXPIRY_MARGIN_MS = 60_000;

function authorizerFor(auth: PingOneAuth, timeoutMs: number): Authorizer {
  if (auth.kind === 'bearer') {
    const authorization = `Bearer ${auth.token}`;
    return { headers: async () => ({ authorization }), invalidate: () => {} };
  }
  let cached: { header: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const answer = await requestServiceToken(auth, timeoutMs);
    if (!answer.ok) {
      const { status } = answer;
      if (status >= 200 && status < 300) throw new GovernanceProtocolError('token', 'unreadable token answer');
      if (status === 400 || status === 401 || status === 403) throw new GovernanceAuthFailed('token', status);
      throw new GovernanceUnavailable('token', `PingOne token endpoint answered ${status}`);
    }
    const header = `Bearer ${answer.accessToken}`;
    cached = { header, until: Date.now() + (answer.expiresIn ?? 300) * 1000 - EXPIRY_MARGIN_MS };
    return header;
  };
  const header = async (): Promise<string> => {
    if (cached && cached.until > Date.now()) return cached.header;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  return {
    async headers() {
      return { authorization: await header() };
    },
    invalidate() {
      cached = undefined;
    },
  };
}
