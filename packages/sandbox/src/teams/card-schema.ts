import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import addFormats from 'ajv-formats';
import vendored from './schemas/adaptive-card-1.5.json' with { type: 'json' };

/**
 * The official Adaptive Card 1.5 JSON schema (vendored from microsoft/AdaptiveCards,
 * schemas/1.5.0/adaptive-card.json at commit 0353e1bd503ae180c814f4ff27f7d5b2134e0e21; see
 * schemas/README.md), compiled once with ajv. The schema declares draft-06 but names itself with the
 * draft-04 `id`, which ajv 8 refuses, so it is registered under `$id` instead; nothing else changes.
 */

const { id: schemaId, ...rest } = structuredClone(vendored) as { id: string } & Record<string, unknown>;
const SCHEMA = withTeamsExtensions({ ...rest, $id: schemaId });

type Definitions = Record<
  string,
  { properties?: { type?: { enum?: unknown[] } }; anyOf?: { allOf?: { $ref?: string }[] }[] }
>;
const DEFINITIONS = (SCHEMA as unknown as { definitions: Definitions }).definitions;

/**
 * What Teams accepts beyond the published 1.5 schema: dynamic type-ahead on Input.ChoiceSet
 * (`choices.data` with a `Data.Query` naming a dataset, answered by an `application/search`
 * invoke), documented in Teams' "Type-ahead search in Adaptive Cards".
 */
function withTeamsExtensions<T extends Record<string, unknown>>(schema: T): T {
  const definitions = schema.definitions as Record<string, { properties?: Record<string, unknown> }>;
  const choiceSet = definitions['Input.ChoiceSet'];
  if (choiceSet?.properties) {
    choiceSet.properties['choices.data'] = {
      type: 'object',
      properties: { type: { enum: ['Data.Query'] }, dataset: { type: 'string' }, count: { type: 'number' } },
      required: ['type', 'dataset'],
      additionalProperties: false,
    };
  }
  return schema;
}

// strict: false because the schema carries annotations ajv does not know (`version`, `features`).
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft06);
// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const formats = addFormats as unknown as { default?: typeof addFormats } & typeof addFormats;
(formats.default ?? formats)(ajv);
ajv.addSchema(SCHEMA);

const whole = ajv.getSchema(schemaId) as ValidateFunction;
const compiled = new Map<string, ValidateFunction>();

/** Validates a whole card against the schema; true when it passes. */
export function isValidCard(card: unknown): boolean {
  return whole(card) === true;
}

/** The first schema error of a whole card, for the rare case the per-element walk finds nothing. */
export function firstCardError(card: unknown): ErrorObject | undefined {
  whole(card);
  return whole.errors?.[0];
}

/** Validates one value against one definition (`TextBlock`, `Action.Execute`…), all errors. */
export function definitionErrors(definition: string, value: unknown): ErrorObject[] {
  let validate = compiled.get(definition);
  if (!validate) {
    validate = ajv.getSchema(`${schemaId}#/definitions/${definition}`) as ValidateFunction;
    compiled.set(definition, validate);
  }
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

/** The type names a polymorphic slot accepts (`ImplementationsOf.Element` → `TextBlock`, `Container`…). */
export function typesOf(implementations: string): string[] {
  const branches = DEFINITIONS[implementations]?.anyOf ?? [];
  return branches.flatMap((branch) => branch.allOf?.map((part) => part.$ref?.split('/').at(-1) ?? '') ?? []);
}

/** Every type name the schema defines (elements, actions, inlines…), to tell "unknown" from "not allowed here". */
export const KNOWN_TYPES: ReadonlySet<string> = new Set(
  Object.entries(DEFINITIONS)
    .filter(([, definition]) => Array.isArray(definition.properties?.type?.enum))
    .map(([name]) => name),
);
