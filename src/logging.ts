import type { LoggerOptions } from 'pino';
import type { Config } from './config.js';

/**
 * Paths pino blanks out before a line is written. Secrets reach log lines through request headers
 * (Slack signatures, bearer tokens), config objects and error payloads echoed by vendors.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["x-okta-verification-challenge"]',
  'headers.authorization',
  'headers.Authorization',
  'authorization',
  '*.authorization',
  '*.token',
  '*.apiToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'client_assertion',
  '*.client_assertion',
  '*.botToken',
  '*.appToken',
  '*.appPassword',
  '*.password',
  '*.secret',
  '*.signingSecret',
  '*.clientSecret',
  '*.privateKey',
  '*.auth.token',
  '*.auth.privateKey',
  '*.auth.clientSecret',
  // botbuilder's RestError carries the request it failed on, bearer token included.
  'err.request.headers',
  'err.cause.request.headers',
  'err.response.request.headers',
  '*.request.headers.authorization',
];

/**
 * Paths catch secrets where they are expected; the known secret values themselves are also
 * scrubbed from every written line, so one echoed in an error message or a nested object cannot
 * reach the logs either.
 */
export function loggerOptions(level: string, secrets: readonly (string | undefined)[] = []): LoggerOptions {
  const values = [...new Set(secrets.filter((secret): secret is string => Boolean(secret && secret.length >= 6)))];
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'gatehouse' },
    ...(values.length > 0 ? { hooks: { streamWrite: (line: string) => scrub(line, values) } } : {}),
  };
}

function scrub(line: string, secrets: string[]): string {
  let clean = line;
  for (const secret of secrets) {
    for (const form of spellingsOf(secret)) {
      if (clean.includes(form)) clean = clean.split(form).join('[redacted]');
    }
  }
  return clean;
}

/**
 * A secret as it may appear in a line: as given, escaped inside a JSON string, and percent-encoded
 * the two ways a client credentials body or a URL encodes it (an Entra client secret's `~` is
 * `%7E` in a form), each also as JSON would escape it.
 */
function spellingsOf(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]);
  for (const form of [...forms]) forms.add(JSON.stringify(form).slice(1, -1));
  return [...forms];
}

/** Every secret the configuration holds, for `loggerOptions`. */
export function secretsOf(config: Config): string[] {
  // The sandbox's secrets are published (and one is the word "sandbox", which would blank out
  // every sandbox URL in the logs): nothing to hide there.
  if (config.mode === 'sandbox') return [];
  const auth = config.governance.auth as Record<string, unknown>;
  const person = config.governance.provider === 'pingone' ? config.governance.personGrant : undefined;
  return [
    auth.token,
    ...keyMaterial(auth.privateKey),
    auth.clientSecret,
    ...keyMaterial(person?.privateKey),
    person?.clientSecret,
    config.slack?.signingSecret,
    config.slack?.botToken,
    config.slack?.appToken,
    config.teams?.appPassword,
    config.notifier.oktaEventHookSecret,
    config.server.metricsToken,
  ].filter((value): value is string => typeof value === 'string');
}

/**
 * A private key as given, and, for a JWK (frodo writes the person grant's key as one), each of its
 * private members on their own: a key parsed and logged as an object shows them apart from the
 * string it came from.
 */
function keyMaterial(material: unknown): unknown[] {
  if (typeof material !== 'string') return [];
  const text = material.trim();
  if (!text.startsWith('{')) return [material];
  try {
    const parsed = JSON.parse(text) as { keys?: unknown[] } & Record<string, unknown>;
    const keys = Array.isArray(parsed.keys) ? parsed.keys : [parsed];
    const members = keys.flatMap((key) =>
      key && typeof key === 'object' ? PRIVATE_JWK_MEMBERS.map((name) => (key as Record<string, unknown>)[name]) : [],
    );
    return [material, ...members];
  } catch {
    return [material];
  }
}

/** RFC 7518: the members of an RSA or EC JWK that are private. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];
