import type { ErrorObject } from 'ajv';

/**
 * ajv's errors for one card element, as sentences a developer can act on: which property, why.
 * A property typed as "one of these enums, or null" fails every alternative at once; those are
 * folded into one "must be one of …" instead of ajv's four lines.
 */
export function describeErrors(errors: ErrorObject[], subject: string): string[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) byPath.set(error.instancePath, [...(byPath.get(error.instancePath) ?? []), error]);
  const sentences: string[] = [];
  for (const [path, atPath] of byPath) {
    // "TextBlock at body[0] is missing …" for the element itself, "…: color must be …" for a property.
    const lead = path === '' ? `${subject} ` : `${subject}: ${pointerToPath(path)} `;
    if (atPath.some((error) => error.keyword === 'anyOf')) {
      sentences.push(`${lead}${alternatives(atPath)}`);
      continue;
    }
    for (const error of atPath) sentences.push(`${lead}${sentence(error)}`);
  }
  return sentences;
}

function sentence(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `is missing required property '${params.missingProperty}'`;
    case 'additionalProperties':
      return `has unknown property '${params.additionalProperty}'`;
    case 'type':
      return `must be ${params.type}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'format':
      return `must be a valid ${params.format}`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/** "must be one of "a", "b" or null" from the enum and type alternatives an anyOf tried. */
function alternatives(errors: ErrorObject[]): string {
  const values = errors
    .filter((error) => error.keyword === 'enum')
    .flatMap((error) =>
      (error.params as { allowedValues: unknown[] }).allowedValues.map((value) => JSON.stringify(value)),
    );
  const types = errors
    .filter((error) => error.keyword === 'type')
    .map((error) => String((error.params as { type: unknown }).type));
  const options = [...new Set([...values, ...types])];
  return options.length > 0 ? `must be one of ${options.join(', ')}` : 'does not match any allowed form';
}

/** `/facts/0/title` → `facts[0].title`. */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('');
}
