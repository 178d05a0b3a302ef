import { missingArgument, type SlackApiError } from './errors.js';

/**
 * A method's arguments as they arrived. @slack/web-api sends application/x-www-form-urlencoded,
 * where every value is a string and objects (`blocks`, `view`, `metadata`) are JSON-encoded strings;
 * a JSON body carries real types. These readers accept both, as Slack does.
 */
export type Args = Record<string, unknown>;

/** A string argument; numbers are accepted as their text ("thread_ts" is often sent as a number by mistake). */
export function stringArg(args: Args, name: string): string | undefined {
  const value = args[name];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function requiredString(args: Args, name: string, refusal: () => SlackApiError = () => missingArgument(name)) {
  const value = stringArg(args, name);
  if (value === undefined) throw refusal();
  return value;
}

/** Booleans arrive as true, "true" or "1". */
export function flagArg(args: Args, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** A non-negative integer (limit…); anything unreadable counts as absent, as Slack mostly does. */
export function integerArg(args: Args, name: string): number | undefined {
  const value = args[name];
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(number) && number >= 0 ? number : undefined;
}

/**
 * A structured argument: a JSON-encoded string (form bodies) or the value itself (JSON bodies).
 * Text that is not JSON is refused with the method's own code (`invalid_blocks_format`…).
 */
export function structuredArg(args: Args, name: string, refusal: () => SlackApiError): unknown {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw refusal();
  }
}

/** The arguments worth logging: everything but the token. */
export function loggedArgs(args: Args): Args {
  const { token: _token, ...rest } = args;
  return rest;
}
