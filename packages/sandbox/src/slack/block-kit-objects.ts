import { LIMITS } from './block-kit-limits.js';
import type { Json } from './records.js';

/**
 * The problems found in one surface, worded as Slack words them ("must be less than 3001 characters
 * [json-pointer:/blocks/0/text/text]"), so a log line from the emulator reads like one from Slack.
 */
export class Problems {
  readonly list: string[] = [];

  add(problem: string, pointer: string): void {
    this.list.push(`${problem} [json-pointer:${pointer}]`);
  }

  tooLong(pointer: string, limit: number): void {
    this.add(`must be less than ${limit + 1} characters`, pointer);
  }

  tooMany(pointer: string, limit: number): void {
    this.add(`no more than ${limit} items allowed`, pointer);
  }

  missing(pointer: string, field: string): void {
    this.add(`missing required field: ${field}`, pointer);
  }
}

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Characters as a person counts them (code points), not UTF-16 units. */
export const characters = (text: string) => [...text].length;

/** An optional string field with a maximum length. */
export function checkString(problems: Problems, value: unknown, pointer: string, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string') problems.add('must be a string', pointer);
  else if (characters(value) > max) problems.tooLong(pointer, max);
}

/** A text object: `plain_text` or `mrkdwn` (or only `plain_text` where Slack says so), 1–max characters. */
export function checkText(
  problems: Problems,
  value: unknown,
  pointer: string,
  options: { max?: number; plainOnly?: boolean } = {},
): void {
  const max = options.max ?? LIMITS.textObject;
  if (!isObject(value)) {
    problems.add('must be a text object with type plain_text or mrkdwn', pointer);
    return;
  }
  if (options.plainOnly && value.type !== 'plain_text') problems.add('must be plain_text', `${pointer}/type`);
  else if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
    problems.add('must be one of: plain_text, mrkdwn', `${pointer}/type`);
  }
  if (typeof value.text !== 'string') problems.missing(pointer, 'text');
  else if (characters(value.text) === 0) problems.add('must be more than 0 characters', `${pointer}/text`);
  else if (characters(value.text) > max) problems.tooLong(`${pointer}/text`, max);
}

/** A text object that may be left out. */
export function checkOptionalText(
  problems: Problems,
  value: unknown,
  pointer: string,
  options: { max?: number; plainOnly?: boolean } = {},
): void {
  if (value !== undefined) checkText(problems, value, pointer, options);
}

/** An array with a bound on its length (and at least `min` items); false when it is not an array. */
export function checkList(
  problems: Problems,
  value: unknown,
  pointer: string,
  bounds: { max: number; min?: number },
): value is unknown[] {
  if (!Array.isArray(value)) {
    problems.add('must be an array', pointer);
    return false;
  }
  if (value.length < (bounds.min ?? 0)) problems.add(`must provide at least ${bounds.min} items`, pointer);
  if (value.length > bounds.max) problems.tooMany(pointer, bounds.max);
  return true;
}

/** An option object; selects and overflow menus take plain_text only, checkboxes and radios mrkdwn too. */
export function checkOption(
  problems: Problems,
  value: unknown,
  pointer: string,
  options: { plainOnly: boolean; url?: boolean },
): void {
  if (!isObject(value)) {
    problems.add('must be an option object', pointer);
    return;
  }
  checkText(problems, value.text, `${pointer}/text`, { max: LIMITS.optionText, plainOnly: options.plainOnly });
  if (typeof value.value !== 'string') problems.missing(pointer, 'value');
  else checkString(problems, value.value, `${pointer}/value`, LIMITS.optionValue);
  checkOptionalText(problems, value.description, `${pointer}/description`, {
    max: LIMITS.optionDescription,
    plainOnly: options.plainOnly,
  });
  if (options.url) checkString(problems, value.url, `${pointer}/url`, LIMITS.url);
  else if (value.url !== undefined) problems.add('url is only allowed in overflow menus', `${pointer}/url`);
}

/** A confirmation dialog on a button or menu. */
export function checkConfirm(problems: Problems, value: unknown, pointer: string): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    problems.add('must be a confirmation dialog object', pointer);
    return;
  }
  checkText(problems, value.title, `${pointer}/title`, { max: LIMITS.confirmTitle, plainOnly: true });
  checkText(problems, value.text, `${pointer}/text`, { max: LIMITS.confirmText });
  checkText(problems, value.confirm, `${pointer}/confirm`, { max: LIMITS.confirmButton, plainOnly: true });
  checkText(problems, value.deny, `${pointer}/deny`, { max: LIMITS.confirmButton, plainOnly: true });
}

/** block_id / action_id: optional strings of at most 255 characters. */
export function checkId(problems: Problems, value: unknown, pointer: string, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value === '') problems.add('must be a non-empty string', pointer);
  else if (characters(value) > max) problems.tooLong(pointer, max);
}
