import { characters, isObject } from './block-kit-objects.js';
import type { Json } from './records.js';

/**
 * What a person can click or fill in, found in the blocks the bot actually rendered, so drivers act
 * on the real message or view (a test cannot click a button the bot never showed).
 */

export interface FoundElement {
  block: Json;
  blockId: string;
  element: Json;
}

function elementsOf(block: Json): unknown[] {
  const elements = block.type === 'actions' && Array.isArray(block.elements) ? block.elements : [];
  return [block.accessory, block.element, ...elements];
}

/**
 * The element with this action_id, in the block named `blockId` when given. An action_id is unique
 * only within its block (a list repeats `approve` under every item), so a click that names no block
 * lands on the first one, as a test on a one-item surface expects.
 */
export function findElement(blocks: readonly Json[], actionId: string, blockId?: string): FoundElement | undefined {
  for (const block of blocks) {
    if (blockId !== undefined && block.block_id !== blockId) continue;
    for (const element of elementsOf(block)) {
      if (isObject(element) && element.action_id === actionId) {
        return { block, blockId: String(block.block_id), element };
      }
    }
  }
  return undefined;
}

/** Every action_id on a surface, to say what was there when a lookup fails. */
export function actionIdsIn(blocks: readonly Json[]): string[] {
  return blocks.flatMap((block) =>
    elementsOf(block).flatMap((element) => (isObject(element) ? [String(element.action_id)] : [])),
  );
}

/** The element's options, option groups flattened. */
function optionsOf(element: Json): Json[] {
  const groups = Array.isArray(element.option_groups) ? element.option_groups.filter(isObject) : [];
  const grouped = groups.flatMap((group) => (Array.isArray(group.options) ? group.options : []));
  return [...(Array.isArray(element.options) ? element.options : []), ...grouped].filter(isObject);
}

/**
 * The option a person picks, by value. External selects have no options of their own (they came
 * from a block_suggestion answer), so a value there stands for an option labelled with itself, and
 * an `{ text, value }` object may be given instead.
 */
export function pickOption(element: Json, choice: unknown): Json {
  if (isObject(choice)) {
    const text = typeof choice.text === 'string' ? { type: 'plain_text', text: choice.text, emoji: true } : choice.text;
    return { text, value: choice.value };
  }
  const value = String(choice);
  const option = optionsOf(element).find((candidate) => candidate.value === value);
  if (option) return structuredClone(option);
  if (String(element.type).includes('external'))
    return { text: { type: 'plain_text', text: value, emoji: true }, value };
  const offered = optionsOf(element).map((candidate) => String(candidate.value));
  throw new Error(`"${value}" is not an option of ${String(element.action_id)} (options: ${offered.join(', ')})`);
}

/** What Slack puts in `state.values[block_id][action_id]` for an input element, given what was typed or picked. */
export function stateValue(element: Json, given: unknown): Json {
  const type = String(element.type);
  const picked = given !== undefined;
  const many = (initial: unknown) =>
    picked ? (Array.isArray(given) ? given : [given]).map((choice) => pickOption(element, choice)) : (initial ?? []);
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return {
        type,
        selected_option: picked && given !== null ? pickOption(element, given) : (element.initial_option ?? null),
      };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: many(element.initial_options) };
    case 'datepicker':
      return { type, selected_date: picked ? given : (element.initial_date ?? null) };
    case 'timepicker':
      return { type, selected_time: picked ? given : (element.initial_time ?? null) };
    case 'users_select':
      return { type, selected_user: picked ? given : (element.initial_user ?? null) };
    case 'multi_users_select':
      return {
        type,
        selected_users: picked ? (Array.isArray(given) ? given : [given]) : (element.initial_users ?? []),
      };
    case 'conversations_select':
      return { type, selected_conversation: picked ? given : (element.initial_conversation ?? null) };
    case 'channels_select':
      return { type, selected_channel: picked ? given : (element.initial_channel ?? null) };
    default:
      return { type, value: picked ? (given === null ? null : String(given)) : (element.initial_value ?? null) };
  }
}

const isEmpty = (state: Json) =>
  Object.entries(state).every(
    ([key, value]) => key === 'type' || value === null || value === '' || (Array.isArray(value) && value.length === 0),
  );

/**
 * `view.state.values` for a submission, from the view's input blocks: values are given by block_id
 * or action_id; inputs not given keep their initial value. Also what the Slack client itself would
 * refuse before sending anything: a required input left empty, text outside min_length/max_length.
 */
export function submissionState(
  blocks: readonly Json[],
  given: Record<string, unknown>,
  /** What the person already ticked or picked in the open view (see SlackDriver.tick and pickUser). */
  current: Record<string, Record<string, Json>> = {},
): { values: Record<string, Record<string, Json>>; refusals: string[] } {
  const values: Record<string, Record<string, Json>> = {};
  const refusals: string[] = [];
  const used = new Set<string>();
  for (const block of blocks) {
    if (block.type !== 'input' || !isObject(block.element)) continue;
    const blockId = String(block.block_id);
    const actionId = String(block.element.action_id);
    const key = blockId in given ? blockId : actionId in given ? actionId : undefined;
    if (key !== undefined) used.add(key);
    const kept = current[blockId]?.[actionId];
    const state =
      key === undefined && kept ? kept : stateValue(block.element, key === undefined ? undefined : given[key]);
    values[blockId] = { [actionId]: state };
    if (block.optional !== true && isEmpty(state)) refusals.push(`${blockId}: this field is required`);
    const text = typeof state.value === 'string' ? characters(state.value) : undefined;
    const { min_length: min, max_length: max } = block.element;
    if (text !== undefined && typeof min === 'number' && text > 0 && text < min) {
      refusals.push(`${blockId}: at least ${min} characters`);
    }
    if (text !== undefined && typeof max === 'number' && text > max)
      refusals.push(`${blockId}: at most ${max} characters`);
  }
  const unknown = Object.keys(given).filter((key) => !used.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `no input block or action_id ${unknown.join(', ')} in this view (inputs: ${Object.keys(values).join(', ')})`,
    );
  }
  return { values, refusals };
}

/** Elements whose value a person sets, which Slack reports in `state.values`: everything but buttons, overflows and images. */
export function holdsState(element: Json): boolean {
  return !['button', 'overflow', 'image', 'workflow_button'].includes(String(element.type));
}

/**
 * A surface's full `state.values`, as Slack sends it with every block_actions since September 2020
 * ("a full state on view submission and block actions"): every stateful element of every block,
 * with what the person chose where they touched it and its initial value elsewhere.
 */
export function fullState(
  blocks: readonly Json[],
  touched: Record<string, Record<string, Json>>,
): Record<string, Record<string, Json>> {
  const values: Record<string, Record<string, Json>> = {};
  for (const block of blocks) {
    const blockId = String(block.block_id);
    for (const element of elementsOf(block)) {
      if (!isObject(element) || typeof element.action_id !== 'string' || !holdsState(element)) continue;
      const value = touched[blockId]?.[element.action_id] ?? stateValue(element, undefined);
      values[blockId] = { ...values[blockId], [element.action_id]: value };
    }
  }
  return values;
}
