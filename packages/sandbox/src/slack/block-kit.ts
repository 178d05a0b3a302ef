import {
  ACCESSORY_TYPES,
  ACTIONS_ELEMENT_TYPES,
  BLOCK_TYPES,
  INPUT_ELEMENT_TYPES,
  LIMITS,
  SELECT_TYPES,
} from './block-kit-limits.js';
import {
  characters,
  checkConfirm,
  checkId,
  checkList,
  checkOption,
  checkOptionalText,
  checkString,
  checkText,
  isObject,
  Problems,
} from './block-kit-objects.js';
import type { Json } from './records.js';

/**
 * Block Kit as Slack checks it, on every surface the bot can render to: the problems are returned in
 * Slack's wording with a json-pointer, empty when Slack would accept the blocks. Only the limits in
 * block-kit-limits.ts are enforced; block types the bot does not use are checked loosely.
 */
export type Surface = 'message' | 'modal' | 'home';

export function blockProblems(blocks: unknown, surface: Surface, at = '/blocks'): string[] {
  const problems = new Problems();
  checkBlocks(problems, blocks, surface, at);
  return problems.list;
}

/** A modal or Home tab view: its own fields, then its blocks. */
export function viewProblems(view: unknown, at = '/view'): string[] {
  const problems = new Problems();
  if (!isObject(view)) {
    problems.add('must be an object', at);
    return problems.list;
  }
  if (view.type !== 'modal' && view.type !== 'home') {
    problems.add(`unsupported type: ${String(view.type)}`, `${at}/type`);
    return problems.list;
  }
  if (view.type === 'modal') {
    checkText(problems, view.title, `${at}/title`, { max: LIMITS.viewTitle, plainOnly: true });
    checkOptionalText(problems, view.submit, `${at}/submit`, { max: LIMITS.viewSubmit, plainOnly: true });
    checkOptionalText(problems, view.close, `${at}/close`, { max: LIMITS.viewClose, plainOnly: true });
    const firstInput = Array.isArray(view.blocks)
      ? view.blocks.findIndex((block) => isObject(block) && block.type === 'input')
      : -1;
    if (firstInput >= 0 && view.submit === undefined) {
      problems.add('must define `submit` to use an `input` block in modals', `${at}/blocks/${firstInput}/input`);
    }
  }
  checkString(problems, view.private_metadata, `${at}/private_metadata`, LIMITS.privateMetadata);
  checkString(problems, view.callback_id, `${at}/callback_id`, LIMITS.callbackId);
  checkString(problems, view.external_id, `${at}/external_id`, LIMITS.externalId);
  checkBlocks(problems, view.blocks, view.type, `${at}/blocks`);
  return problems.list;
}

/** Slack refuses a view above 250 kB with its own code, `view_too_large`. */
export function viewTooLarge(view: unknown): boolean {
  return Buffer.byteLength(JSON.stringify(view) ?? '') > LIMITS.viewBytes;
}

function checkBlocks(problems: Problems, blocks: unknown, surface: Surface, at: string): void {
  const max = surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks;
  if (!checkList(problems, blocks, at, { max })) return;
  const blockIds = new Set<string>();
  let markdown = 0;
  for (const [index, block] of blocks.entries()) {
    const here = `${at}/${index}`;
    if (!isObject(block)) problems.add('must be an object', here);
    else if (typeof block.type !== 'string') problems.missing(here, 'type');
    else if (!BLOCK_TYPES.includes(block.type)) problems.add(`unsupported type: ${block.type}`, `${here}/type`);
    else {
      checkId(problems, block.block_id, `${here}/block_id`, LIMITS.blockId);
      if (typeof block.block_id === 'string') {
        if (blockIds.has(block.block_id)) problems.add(`duplicate block_id: ${block.block_id}`, `${here}/block_id`);
        blockIds.add(block.block_id);
      }
      if (block.type === 'markdown' && typeof block.text === 'string') markdown += characters(block.text);
      if (block.type === 'input' && surface === 'message') {
        // The emulator keeps input blocks to modals and the Home tab, where Gatehouse collects text.
        problems.add('input blocks are only allowed in modals and the Home tab', here);
      }
      BLOCK_CHECKS[block.type]?.(problems, block, here);
    }
  }
  if (markdown > LIMITS.markdownTotal) {
    problems.add(`markdown blocks must total less than ${LIMITS.markdownTotal + 1} characters`, at);
  }
}

type Check = (problems: Problems, json: Json, at: string) => void;

const BLOCK_CHECKS: Record<string, Check> = {
  section(problems, block, at) {
    if (block.text === undefined && block.fields === undefined)
      problems.add('must define either `text` or `fields`', at);
    checkOptionalText(problems, block.text, `${at}/text`, { max: LIMITS.sectionText });
    if (
      block.fields !== undefined &&
      checkList(problems, block.fields, `${at}/fields`, { max: LIMITS.sectionFields })
    ) {
      for (const [index, field] of block.fields.entries()) {
        checkText(problems, field, `${at}/fields/${index}`, { max: LIMITS.sectionFieldText });
      }
    }
    if (block.accessory !== undefined) checkElement(problems, block.accessory, `${at}/accessory`, ACCESSORY_TYPES);
  },
  header(problems, block, at) {
    checkText(problems, block.text, `${at}/text`, { max: LIMITS.headerText, plainOnly: true });
  },
  actions(problems, block, at) {
    const elements = block.elements;
    if (!checkList(problems, elements, `${at}/elements`, { max: LIMITS.actionsElements, min: 1 })) return;
    const actionIds = new Set<string>();
    for (const [index, element] of elements.entries()) {
      checkElement(problems, element, `${at}/elements/${index}`, ACTIONS_ELEMENT_TYPES);
      if (!isObject(element) || typeof element.action_id !== 'string') continue;
      if (actionIds.has(element.action_id)) {
        problems.add(`duplicate action_id: ${element.action_id}`, `${at}/elements/${index}/action_id`);
      }
      actionIds.add(element.action_id);
    }
  },
  context(problems, block, at) {
    if (!checkList(problems, block.elements, `${at}/elements`, { max: LIMITS.contextElements, min: 1 })) return;
    for (const [index, element] of block.elements.entries()) {
      const here = `${at}/elements/${index}`;
      if (isObject(element) && element.type === 'image') checkImage(problems, element, here);
      else checkText(problems, element, here);
    }
  },
  input(problems, block, at) {
    checkText(problems, block.label, `${at}/label`, { max: LIMITS.inputLabel, plainOnly: true });
    checkOptionalText(problems, block.hint, `${at}/hint`, { max: LIMITS.inputHint, plainOnly: true });
    if (block.element === undefined) problems.missing(at, 'element');
    else checkElement(problems, block.element, `${at}/element`, INPUT_ELEMENT_TYPES);
  },
  image(problems, block, at) {
    checkImage(problems, block, at);
    checkOptionalText(problems, block.title, `${at}/title`, { max: LIMITS.imageTitle, plainOnly: true });
  },
  markdown(problems, block, at) {
    if (typeof block.text !== 'string' || block.text === '') problems.missing(at, 'text');
  },
  rich_text(problems, block, at) {
    checkList(problems, block.elements, `${at}/elements`, { max: Number.POSITIVE_INFINITY });
  },
};

function checkElement(problems: Problems, element: unknown, at: string, allowed: readonly string[]): void {
  if (!isObject(element)) problems.add('must be an object', at);
  else if (typeof element.type !== 'string') problems.missing(at, 'type');
  else if (!allowed.includes(element.type)) problems.add(`unsupported type: ${element.type}`, `${at}/type`);
  else {
    checkId(problems, element.action_id, `${at}/action_id`, LIMITS.actionId);
    checkConfirm(problems, element.confirm, `${at}/confirm`);
    checkOptionalText(problems, element.placeholder, `${at}/placeholder`, { max: LIMITS.placeholder, plainOnly: true });
    if ((SELECT_TYPES as readonly string[]).includes(element.type) && element.initial_option !== undefined) {
      checkOption(problems, element.initial_option, `${at}/initial_option`, { plainOnly: true });
    }
    ELEMENT_CHECKS[element.type]?.(problems, element, at);
  }
}

const ELEMENT_CHECKS: Record<string, Check> = {
  button: checkButton,
  image: checkImage,
  plain_text_input: checkTextInput,
  static_select: checkStaticSelect,
  multi_static_select: checkStaticSelect,
  overflow: (problems, element, at) => checkOptions(problems, element, at, { max: LIMITS.overflowOptions, url: true }),
  checkboxes: (problems, element, at) =>
    checkOptions(problems, element, at, { max: LIMITS.checkboxOptions, mrkdwn: true }),
  radio_buttons: (problems, element, at) =>
    checkOptions(problems, element, at, { max: LIMITS.radioOptions, mrkdwn: true }),
  datepicker(problems, element, at) {
    const date = element.initial_date;
    if (date !== undefined && (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date))) {
      problems.add('must be a date in the format YYYY-MM-DD', `${at}/initial_date`);
    }
  },
};

function checkButton(problems: Problems, button: Json, at: string): void {
  checkText(problems, button.text, `${at}/text`, { max: LIMITS.buttonText, plainOnly: true });
  checkString(problems, button.value, `${at}/value`, LIMITS.buttonValue);
  checkString(problems, button.url, `${at}/url`, LIMITS.url);
  checkString(problems, button.accessibility_label, `${at}/accessibility_label`, LIMITS.accessibilityLabel);
  if (button.style !== undefined && button.style !== 'primary' && button.style !== 'danger') {
    problems.add('must be one of: primary, danger', `${at}/style`);
  }
}

function checkImage(problems: Problems, image: Json, at: string): void {
  if (image.image_url === undefined && image.slack_file === undefined) problems.missing(at, 'image_url');
  checkString(problems, image.image_url, `${at}/image_url`, LIMITS.imageUrl);
  if (typeof image.alt_text !== 'string') problems.missing(at, 'alt_text');
  else checkString(problems, image.alt_text, `${at}/alt_text`, LIMITS.altText);
}

function checkTextInput(problems: Problems, input: Json, at: string): void {
  const bound = (name: 'min_length' | 'max_length', min: number) => {
    const value = input[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > LIMITS.textInputLength) {
      problems.add(`must be an integer between ${min} and ${LIMITS.textInputLength}`, `${at}/${name}`);
      return undefined;
    }
    return value;
  };
  const min = bound('min_length', 0);
  const max = bound('max_length', 1);
  if (min !== undefined && max !== undefined && min > max)
    problems.add('must not exceed max_length', `${at}/min_length`);
  if (max !== undefined) checkString(problems, input.initial_value, `${at}/initial_value`, max);
}

function checkOptions(
  problems: Problems,
  element: Json,
  at: string,
  options: { max: number; url?: boolean; mrkdwn?: boolean },
): void {
  if (!checkList(problems, element.options, `${at}/options`, { max: options.max, min: 1 })) return;
  for (const [index, option] of element.options.entries()) {
    checkOption(problems, option, `${at}/options/${index}`, { plainOnly: !options.mrkdwn, url: options.url });
  }
}

/** Options or option groups, exactly one of them, at most 100 each. */
function checkStaticSelect(problems: Problems, select: Json, at: string): void {
  if ((select.options === undefined) === (select.option_groups === undefined)) {
    problems.add('must provide exactly one of options or option_groups', at);
  } else if (select.options !== undefined) {
    checkOptions(problems, select, at, { max: LIMITS.selectOptions });
  } else if (checkList(problems, select.option_groups, `${at}/option_groups`, { max: LIMITS.optionGroups, min: 1 })) {
    for (const [index, group] of select.option_groups.entries()) {
      const here = `${at}/option_groups/${index}`;
      if (!isObject(group)) {
        problems.add('must be an option group object', here);
        continue;
      }
      checkText(problems, group.label, `${here}/label`, { max: LIMITS.optionGroupLabel, plainOnly: true });
      checkOptions(problems, group, here, { max: LIMITS.selectOptions });
    }
  }
}
