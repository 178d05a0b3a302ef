import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { z } from 'zod';
import { type Config, ConfigError } from './config.js';
import { oneLine } from './domain/text.js';

/** LOG_FORMAT: `pretty` for people at a terminal, `json` for log shippers. */
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const logFormatSetting = z
  .enum(LOG_FORMATS, { error: (issue) => `LOG_FORMAT must be pretty or json (got "${String(issue.input)}")` })
  .optional();

/**
 * LOG_FORMAT as given, or what suits where the logs go: a terminal gets readable lines, anything
 * else (a pipe, a file, a container runtime feeding a log shipper) gets JSON. Throws a ConfigError
 * naming a value that is neither.
 */
export function readLogFormat(given: string | undefined, stdoutIsTTY: boolean): LogFormat {
  const parsed = logFormatSetting.safeParse(given?.trim() || undefined);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  return parsed.data ?? (stdoutIsTTY ? 'pretty' : 'json');
}

export interface LoggerSetup {
  level: string;
  format: LogFormat;
  /** Scrubbed from every line, whatever the format (see loggerOptions). */
  secrets?: readonly (string | undefined)[];
  /** Colours in pretty lines (a terminal that shows them). */
  colorize?: boolean;
  /** Where lines go: stdout unless a test catches them. */
  destination?: { write(text: string): unknown };
}

/**
 * Gatehouse's logger. Pretty lines are made from the JSON line after redaction and scrubbing, so
 * they hide exactly what JSON hides; they are written synchronously, so nothing written to the same
 * stream afterwards (the sandbox banner) overtakes them and nothing is lost at exit.
 */
export function createLogger(setup: LoggerSetup): Logger {
  const options = loggerOptions(setup.level, setup.secrets);
  if (setup.format === 'json') return setup.destination ? pino(options, setup.destination) : pino(options);
  const out = setup.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(options, prettyStream(setup.level, Boolean(setup.colorize), out));
}

/** One line per event: an error shows its message, its stack only when debugging. */
function prettyStream(level: string, colorize: boolean, out: { write(text: string): unknown }): DestinationStream {
  const stacks = level === 'debug' || level === 'trace';
  const pretty = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,component',
    messageFormat: (log, key) => {
      const component = typeof log.component === 'string' ? `[${oneLine(log.component)}] ` : '';
      return `${component}${oneLine(String(log[key] ?? ''))}`;
    },
    ...(stacks ? {} : { errorLikeObjectKeys: [], customPrettifiers: { err: errorLine, error: errorLine } }),
  });
  return {
    write(line: string) {
      // Text that is not a log line (the sandbox banner) is written as it is.
      if (!line.startsWith('{')) return out.write(line);
      let log: Record<string, unknown>;
      try {
        log = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return out.write(line);
      }
      return out.write(pretty(withoutAuditFields(log)));
    },
  };
}

/** An audit line's message names everyone already; its fields are for machines reading JSON. */
function withoutAuditFields(log: Record<string, unknown>): Record<string, unknown> {
  if (typeof log.audit !== 'string') return log;
  const { time, level, msg, component } = log;
  return { time, level, msg, component };
}

function errorLine(value: unknown): string {
  if (!value || typeof value !== 'object') return oneLine(String(value));
  const { type, message } = value as { type?: unknown; message?: unknown };
  return oneLine(`${typeof type === 'string' ? type : 'Error'}: ${String(message ?? '')}`);
}

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
    ...redisPassword(config.redisUrl),
  ].filter((value): value is string => typeof value === 'string');
}

/**
 * REDIS_URL carries its password (redis://:password@host): the password, not the address, is
 * secret, as written in the URL and as Redis is given it.
 */
function redisPassword(url: string | undefined): string[] {
  if (!url || !URL.canParse(url)) return [];
  const { password } = new URL(url);
  if (!password) return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
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
