/**
 * The SCIM-style filter language Okta's list endpoints take (`status eq "PENDING" AND requestedFor
 * eq "00u…"`, `not(parent pr)`, `(status eq "OPEN" or status eq "ASSIGNING")`). Parsing is shared;
 * each endpoint then declares which attributes and operators it accepts, because Okta refuses
 * anything else rather than ignoring it.
 */

export type CompareOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'co' | 'ew';
const COMPARE_OPERATORS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew']);

export type FilterExpression =
  | { kind: 'compare'; attribute: string; operator: CompareOperator; value: string }
  | { kind: 'present'; attribute: string }
  | { kind: 'and'; terms: FilterExpression[] }
  | { kind: 'or'; terms: FilterExpression[] }
  | { kind: 'not'; term: FilterExpression };

/** The filter cannot be read, or asks for something the endpoint does not support. */
export class FilterRejected extends Error {
  override name = 'FilterRejected';
}

type Token = { type: 'word'; text: string } | { type: 'string'; text: string } | { type: '(' } | { type: ')' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at] as string;
    if (/\s/.test(char)) {
      at += 1;
    } else if (char === '(' || char === ')') {
      tokens.push({ type: char });
      at += 1;
    } else if (char === '"') {
      let text = '';
      at += 1;
      while (at < source.length && source[at] !== '"') {
        if (source[at] === '\\' && at + 1 < source.length) at += 1;
        text += source[at];
        at += 1;
      }
      if (at >= source.length) throw new FilterRejected('unterminated string in filter');
      at += 1;
      tokens.push({ type: 'string', text });
    } else {
      const word = /^[^\s()"]+/.exec(source.slice(at))?.[0] ?? char;
      tokens.push({ type: 'word', text: word });
      at += word.length;
    }
  }
  return tokens;
}

export function parseFilter(source: string): FilterExpression {
  const tokens = tokenize(source);
  let at = 0;
  const peekWord = (): string | undefined => {
    const token = tokens[at];
    return token?.type === 'word' ? token.text.toLowerCase() : undefined;
  };
  const expect = (type: '(' | ')') => {
    if (tokens[at]?.type !== type) throw new FilterRejected(`expected "${type}" in filter`);
    at += 1;
  };

  const parseOr = (): FilterExpression => {
    const terms = [parseAnd()];
    while (peekWord() === 'or') {
      at += 1;
      terms.push(parseAnd());
    }
    return terms.length === 1 ? (terms[0] as FilterExpression) : { kind: 'or', terms };
  };
  const parseAnd = (): FilterExpression => {
    const terms = [parseUnary()];
    while (peekWord() === 'and') {
      at += 1;
      terms.push(parseUnary());
    }
    return terms.length === 1 ? (terms[0] as FilterExpression) : { kind: 'and', terms };
  };
  const parseUnary = (): FilterExpression => {
    const token = tokens[at];
    if (token?.type === '(') {
      at += 1;
      const inner = parseOr();
      expect(')');
      return inner;
    }
    if (peekWord() === 'not' && tokens[at + 1]?.type === '(') {
      at += 2;
      const term = parseOr();
      expect(')');
      return { kind: 'not', term };
    }
    return parseComparison();
  };
  const parseComparison = (): FilterExpression => {
    const attribute = tokens[at];
    if (attribute?.type !== 'word') throw new FilterRejected('expected an attribute name in filter');
    at += 1;
    const operator = peekWord();
    if (!operator) throw new FilterRejected(`expected an operator after "${attribute.text}"`);
    at += 1;
    if (operator === 'pr') return { kind: 'present', attribute: attribute.text };
    if (!COMPARE_OPERATORS.has(operator)) throw new FilterRejected(`unknown operator "${operator}"`);
    const value = tokens[at];
    if (value?.type !== 'string' && value?.type !== 'word') {
      throw new FilterRejected(`expected a value after "${attribute.text} ${operator}"`);
    }
    at += 1;
    return { kind: 'compare', attribute: attribute.text, operator: operator as CompareOperator, value: value.text };
  };

  if (tokens.length === 0) throw new FilterRejected('the filter is empty');
  const expression = parseOr();
  if (at < tokens.length) throw new FilterRejected('unexpected text at the end of the filter');
  return expression;
}

/** What an endpoint allows on one attribute, and how to read it from an item. */
export interface FilterAttribute<T> {
  operators: readonly (CompareOperator | 'pr')[];
  /** One item may carry several values (a task's assignees); a comparison holds when any does. */
  read: (item: T) => string | readonly string[] | undefined;
  /** Dates compare in time, text compares as written (or ignoring case). */
  kind?: 'text' | 'date';
  ignoreCase?: boolean;
  /** Allowed values, for enum attributes. */
  values?: readonly string[];
}

export type FilterAttributes<T> = Record<string, FilterAttribute<T>>;

export interface FilterRules {
  allowOr?: boolean;
  allowNot?: boolean;
}

/** Checks the expression against the endpoint's rules and returns a predicate over items. */
export function compileFilter<T>(
  expression: FilterExpression,
  attributes: FilterAttributes<T>,
  rules: FilterRules = {},
): (item: T) => boolean {
  switch (expression.kind) {
    case 'and': {
      const terms = expression.terms.map((term) => compileFilter(term, attributes, rules));
      return (item) => terms.every((term) => term(item));
    }
    case 'or': {
      if (!rules.allowOr) throw new FilterRejected('"or" is not supported in this filter');
      const terms = expression.terms.map((term) => compileFilter(term, attributes, rules));
      return (item) => terms.some((term) => term(item));
    }
    case 'not': {
      if (!rules.allowNot) throw new FilterRejected('"not" is not supported in this filter');
      const term = compileFilter(expression.term, attributes, rules);
      return (item) => !term(item);
    }
    case 'present': {
      const attribute = lookup(attributes, expression.attribute, 'pr');
      return (item) => valuesOf(attribute, item).length > 0;
    }
    case 'compare': {
      const attribute = lookup(attributes, expression.attribute, expression.operator);
      const { operator, value } = expression;
      if (attribute.values && !attribute.values.includes(value)) {
        throw new FilterRejected(`"${value}" is not a valid value for ${expression.attribute}`);
      }
      if (attribute.kind === 'date' && Number.isNaN(Date.parse(value))) {
        throw new FilterRejected(`"${value}" is not a date-time for ${expression.attribute}`);
      }
      return (item) => valuesOf(attribute, item).some((actual) => holds(attribute, operator, actual, value));
    }
  }
}

function lookup<T>(
  attributes: FilterAttributes<T>,
  name: string,
  operator: CompareOperator | 'pr',
): FilterAttribute<T> {
  const attribute = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
  if (!attribute) throw new FilterRejected(`unsupported filter attribute "${name}"`);
  if (!attribute.operators.includes(operator)) {
    throw new FilterRejected(`operator "${operator}" is not supported on ${name}`);
  }
  return attribute;
}

function valuesOf<T>(attribute: FilterAttribute<T>, item: T): readonly string[] {
  const value = attribute.read(item);
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

function holds<T>(attribute: FilterAttribute<T>, operator: CompareOperator, actual: string, wanted: string): boolean {
  if (attribute.kind === 'date') {
    const difference = Date.parse(actual) - Date.parse(wanted);
    return compareOrdered(operator, difference);
  }
  const a = attribute.ignoreCase ? actual.toLowerCase() : actual;
  const b = attribute.ignoreCase ? wanted.toLowerCase() : wanted;
  switch (operator) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    case 'co':
      return a.includes(b);
    default:
      return compareOrdered(operator, a < b ? -1 : a > b ? 1 : 0);
  }
}

function compareOrdered(operator: CompareOperator, difference: number): boolean {
  switch (operator) {
    case 'eq':
      return difference === 0;
    case 'ne':
      return difference !== 0;
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    default:
      return false;
  }
}

/** The terms joined by a top-level AND (a lone term is its own conjunction). */
export function conjuncts(expression: FilterExpression): FilterExpression[] {
  return expression.kind === 'and' ? expression.terms.flatMap(conjuncts) : [expression];
}
