import { AsyncLocalStorage } from 'node:async_hooks';
import { inspect } from 'node:util';
import type { Logger } from 'pino';

/**
 * botbuilder writes to the console, not to a logger it is given: JwtTokenExtractor prints every
 * token it could not verify (with the signing key it tried), CloudAdapter every error it answers.
 * Work run through `withBotbuilderLogs` has those lines sent to our pino logger instead (level,
 * request id, redaction); console calls made outside it are left alone.
 *
 * The scope is an AsyncLocalStorage, so it follows the work across awaits and into the turns it
 * starts. It and the console wrappers live on globalThis, so a module loaded twice (test runners)
 * still shares one scope; a console method replaced later (a test's spy) is wrapped again on the
 * next call.
 */
const KEY = Symbol.for('gatehouse.teams.botbuilderConsole');
const shared = globalThis as { [KEY]?: AsyncLocalStorage<Logger> };
if (!shared[KEY]) shared[KEY] = new AsyncLocalStorage<Logger>();
const scope: AsyncLocalStorage<Logger> = shared[KEY];

const LEVELS = ['error', 'warn', 'info', 'log', 'debug', 'trace'] as const;
type ConsoleLevel = (typeof LEVELS)[number];
type Wrapped = ((...args: unknown[]) => void) & { [KEY]?: true };

export function withBotbuilderLogs<T>(logger: Logger, work: () => Promise<T>): Promise<T> {
  routeConsole();
  return scope.run(logger, work);
}

function routeConsole(): void {
  const target = console as unknown as Record<ConsoleLevel, Wrapped>;
  for (const level of LEVELS) {
    const current = target[level];
    if (typeof current !== 'function' || current[KEY]) continue;
    const wrapped: Wrapped = function (this: unknown, ...args: unknown[]) {
      const logger = scope.getStore();
      if (!logger) return current.apply(this, args);
      const said = { botbuilder: args.map(describe) };
      // What botbuilder prints is a detail of an outcome we log ourselves (a refused token, a failed turn).
      if (level === 'error' || level === 'warn') logger.warn(said, 'botbuilder wrote to the console');
      else logger.debug(said, 'botbuilder wrote to the console');
    };
    wrapped[KEY] = true;
    target[level] = wrapped;
  }
}

/** A console argument as a short, secret-free value: no keys, tokens or credentials. */
function describe(value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: redact(value.message) };
  if (typeof value === 'string') return redact(value);
  return redact(inspect(value, { depth: 2, breakLength: Infinity }));
}

function redact(text: string): string {
  return text
    .replace(/-----BEGIN[^-]*-----[\s\S]*?(-----END[^-]*-----|$)/g, '[key]')
    .replace(/\beyJ[\w-]*\.[\w-]*\.?[\w-]*/g, '[token]')
    .replace(/\b(Bearer|Basic)\s+\S+/gi, '$1 [redacted]')
    .slice(0, 500);
}
