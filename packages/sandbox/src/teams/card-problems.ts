import type { ErrorObject } from 'ajv';
import { describeErrors } from './card-errors.js';
import { definitionErrors, firstCardError, isValidCard, KNOWN_TYPES, typesOf } from './card-schema.js';
import { MAX_CARD_VERSION } from './limits.js';
import type { Json } from './records.js';

/**
 * What Teams would refuse in an Adaptive Card, each problem naming where and why: the card must pass
 * the official 1.5 schema and declare a version Teams renders (at most 1.5). An empty list means the
 * card is fine. Exported so the adapter's unit tests can check cards without HTTP.
 *
 * The schema puts every element slot behind an `anyOf` of all element types, so a plain validation
 * of a whole card reports every type's complaints about every element. Instead each element (and
 * action, column, cell…) is validated against the definition its own `type` names, and its children
 * are left to their own turn; a final whole-card validation catches anything the walk does not know.
 */
export function cardProblems(card: unknown): string[] {
  if (!isObject(card)) return ['the card must be a JSON object'];
  const problems = versionProblems(card);
  if (isValidCard(card)) return problems;
  walk(card, { kind: 'fixed', definition: 'AdaptiveCard' }, 'the card', problems);
  if (problems.length === 0) {
    const error = firstCardError(card) as ErrorObject;
    problems.push(`the card does not match the Adaptive Card schema at ${error.instancePath || '/'}: ${error.message}`);
  }
  return [...new Set(problems)];
}

function versionProblems(card: Json): string[] {
  const problems: string[] = [];
  if (card.type !== 'AdaptiveCard')
    problems.push(`the card's type must be 'AdaptiveCard', not ${JSON.stringify(card.type)}`);
  const { version } = card;
  if (version === undefined) return [...problems, 'the card has no version; a top-level card must declare one'];
  const parsed = typeof version === 'string' ? /^(\d+)\.(\d+)$/.exec(version) : null;
  if (!parsed) return [...problems, `the card's version must look like "1.5", not ${JSON.stringify(version)}`];
  const [maxMajor, maxMinor] = MAX_CARD_VERSION.split('.').map(Number) as [number, number];
  const [major, minor] = [Number(parsed[1]), Number(parsed[2])];
  if (major > maxMajor || (major === maxMajor && minor > maxMinor)) {
    problems.push(`the card's version ${version} is above ${MAX_CARD_VERSION}, the highest Teams renders`);
  }
  return problems;
}

/** A place in a card: one fixed definition, or any of a family of types (`ImplementationsOf.*`). */
type Slot = { kind: 'fixed'; definition: string } | { kind: 'any'; family: string; noun: string };

const ELEMENT: Slot = { kind: 'any', family: 'ImplementationsOf.Element', noun: 'element' };
const ACTION: Slot = { kind: 'any', family: 'ImplementationsOf.Action', noun: 'action' };
const SELECT_ACTION: Slot = { kind: 'any', family: 'ImplementationsOf.ISelectAction', noun: 'select action' };
const INLINE: Slot = { kind: 'any', family: 'ImplementationsOf.Inline', noun: 'inline' };
const fixed = (definition: string): Slot => ({ kind: 'fixed', definition });

/** Where each definition keeps nested cards, elements and actions. */
const CHILDREN: Record<string, [property: string, slot: Slot][]> = {
  AdaptiveCard: [
    ['body', ELEMENT],
    ['actions', ACTION],
    ['selectAction', SELECT_ACTION],
    ['refresh', fixed('Refresh')],
  ],
  Refresh: [['action', fixed('Action.Execute')]],
  Container: [
    ['items', ELEMENT],
    ['selectAction', SELECT_ACTION],
  ],
  Column: [
    ['items', ELEMENT],
    ['selectAction', SELECT_ACTION],
    ['fallback', fixed('Column')],
  ],
  ColumnSet: [
    ['columns', fixed('Column')],
    ['selectAction', SELECT_ACTION],
  ],
  Table: [['rows', fixed('TableRow')]],
  TableRow: [['cells', fixed('TableCell')]],
  TableCell: [
    ['items', ELEMENT],
    ['selectAction', SELECT_ACTION],
  ],
  ActionSet: [['actions', ACTION]],
  Image: [['selectAction', SELECT_ACTION]],
  ImageSet: [['images', fixed('Image')]],
  'Input.Text': [['inlineAction', SELECT_ACTION]],
  RichTextBlock: [['inlines', INLINE]],
  TextRun: [['selectAction', SELECT_ACTION]],
  'Action.ShowCard': [['card', fixed('AdaptiveCard')]],
};

const ELEMENT_TYPES = new Set(typesOf('ImplementationsOf.Element'));
const ACTION_TYPES = new Set(typesOf('ImplementationsOf.Action'));

/** Elements and actions may fall back to one of their own kind (an object) or to "drop" (checked by their own schema). */
function childrenOf(definition: string): [string, Slot][] {
  const own = CHILDREN[definition] ?? [];
  if (ELEMENT_TYPES.has(definition)) return [...own, ['fallback', ELEMENT]];
  if (ACTION_TYPES.has(definition)) return [...own, ['fallback', ACTION]];
  return own;
}

function walk(node: unknown, slot: Slot, where: string, problems: string[]): void {
  if (!isObject(node)) return; // a wrong scalar is reported by the parent's schema (e.g. fallback: "drop")
  const definition = definitionFor(node, slot, where, problems);
  if (!definition) return;
  const children = childPlaces(node, definition, where);
  const nested = children.map((child) => child.pointer);
  // Errors inside a child belong to the child's own turn, where its real type is known.
  const own = definitionErrors(definition, node).filter(
    (error) =>
      !nested.some((pointer) => error.instancePath === pointer || error.instancePath.startsWith(`${pointer}/`)),
  );
  problems.push(...describeErrors(own, where === 'the card' ? where : `${definition} at ${where}`));
  for (const child of children) walk(child.value, child.slot, child.where, problems);
}

interface ChildPlace {
  value: Json;
  slot: Slot;
  /** JSON pointer relative to the parent, as ajv reports it. */
  pointer: string;
  /** Readable path from the card root: `body[1].actions[0]`. */
  where: string;
}

function childPlaces(node: Json, definition: string, where: string): ChildPlace[] {
  const prefix = where === 'the card' ? '' : `${where}.`;
  const places: ChildPlace[] = [];
  for (const [property, slot] of childrenOf(definition)) {
    const value = node[property];
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (isObject(item))
          places.push({ value: item, slot, pointer: `/${property}/${index}`, where: `${prefix}${property}[${index}]` });
      });
    } else if (isObject(value)) {
      places.push({ value, slot, pointer: `/${property}`, where: `${prefix}${property}` });
    }
  }
  return places;
}

/** The definition a node is checked against, or undefined (with the problem noted) when its type is wrong. */
function definitionFor(node: Json, slot: Slot, where: string, problems: string[]): string | undefined {
  if (slot.kind === 'fixed') return slot.definition;
  const { type } = node;
  if (typeof type !== 'string') {
    problems.push(`${where}: an ${slot.noun} needs a string "type"`);
    return undefined;
  }
  const allowed = typesOf(slot.family);
  if (allowed.includes(type)) return type;
  problems.push(
    KNOWN_TYPES.has(type)
      ? `${where}: ${type} is not allowed as ${article(slot.noun)} here (allowed: ${allowed.join(', ')})`
      : `${where}: unknown ${slot.noun} type '${type}' (Adaptive Cards 1.5 has ${allowed.join(', ')})`,
  );
  return undefined;
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
