import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Ajv, ValidateFunction } from 'ajv';
import {
  ajvLibrary,
  createAjv,
  GENERATED,
  SCHEMAS_ID,
  type SpecDocument,
  VENDOR_DIR,
} from '../packages/sandbox/src/okta/spec-guard.js';

/**
 * `npm run spec:okta`: derives packages/sandbox/vendor/okta-governance/generated/ from Okta's
 * vendored document and our Tasks fragment (see PROVENANCE.md there). `--check` regenerates in
 * memory and exits 1 if the committed files differ. The test suite runs the cheaper `staleness()`:
 * hashes of the inputs and outputs against generated/manifest.json.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = 'scripts/okta-spec.ts';
const GUARD = 'packages/sandbox/src/okta/spec-guard.ts';
const LIBRARIES = ['openapi-backend', 'ajv', 'ajv-formats'];

/**
 * The operations the emulator serves, compiled here so no test file compiles them (a second or
 * more each). Any other operation is compiled by openapi-backend when first met.
 * test/sandbox/okta-spec-guard.test.ts checks that every emulator route is in this list.
 */
export const PRECOMPILED = [
  'listAllDefaultEntriesV2',
  'listAllDefaultUserEntriesV2',
  'getCatalogEntryV2',
  'getCatalogEntryRequestFieldsV2',
  'createRequestV2',
  'listAllRequestsV2',
  'getRequestV2',
  'updateRequestV2',
  'createRequestMessageV2',
  'listAllTasksV2',
  'getTaskV2',
  'resolveTaskV2',
  'updateTaskV2',
  'listGrants',
  'getGrant',
  'generatePotentialRiskAssessments',
  'listDelegateAppointments',
  'updatePrincipalSettings',
];

type Node = Record<string, unknown>;
type Document = { openapi: string; info: Node; paths: Record<string, Node>; components: Record<string, Node> };

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const vendor = (name: string) => readFileSync(join(VENDOR_DIR, name), 'utf8');
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Everything the generated files depend on. */
function inputs(): Record<string, string> {
  const guard = readFileSync(join(ROOT, GUARD), 'utf8');
  // Only createAjv shapes the compiled code; the rest of the guard may change freely.
  const createAjvSource = guard.slice(
    guard.indexOf('export function createAjv'),
    guard.indexOf('\n}\n', guard.indexOf('export function createAjv')),
  );
  const versions = Object.fromEntries(
    LIBRARIES.map((name) => [
      name,
      (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version,
    ]),
  );
  return {
    'openapi.yaml': sha256(vendor('openapi.yaml')),
    'tasks-api.yaml': sha256(vendor('tasks-api.yaml')),
    [SCRIPT]: sha256(readFileSync(join(ROOT, SCRIPT), 'utf8')),
    [`${GUARD}#createAjv`]: sha256(createAjvSource),
    ...versions,
  };
}

/** Why the committed generated files are out of date; empty when they are not. */
export function staleness(): string[] {
  let manifest: { inputs: Record<string, string>; outputs: Record<string, string> };
  try {
    manifest = JSON.parse(vendor(GENERATED.manifest));
  } catch {
    return [`${GENERATED.manifest} is missing or unreadable`];
  }
  const reasons: string[] = [];
  const now = inputs();
  for (const name of new Set([...Object.keys(now), ...Object.keys(manifest.inputs)])) {
    if (now[name] !== manifest.inputs[name]) reasons.push(`input ${name} changed`);
  }
  for (const [name, hash] of Object.entries(manifest.outputs)) {
    let actual: string | undefined;
    try {
      actual = sha256(readFileSync(join(VENDOR_DIR, name)));
    } catch {}
    if (actual !== hash) reasons.push(`output ${name} was edited or is missing`);
  }
  return reasons;
}

// ── The document in validation form ─────────────────────────────────────────────────────────

/** Keywords that describe rather than constrain: dropped, a third of the size and all the YAML's. */
const ANNOTATIONS = new Set(['description', 'summary', 'example', 'examples', 'externalDocs', 'tags', 'title']);
const DROPPED = new Set([...ANNOTATIONS, 'security', 'servers', 'xml']);
/** Objects whose keys are names (of properties, paths, media types…), never keywords. */
const NAME_MAPS = new Set([
  'properties',
  'paths',
  'responses',
  'content',
  'headers',
  'schemas',
  'parameters',
  'mapping',
]);
/** Values, not schemas: left as they are. */
const LITERALS = new Set(['enum', 'default', 'const', 'required']);

function strip(node: unknown, names = false): unknown {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (!isNode(node)) return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) {
    if (!names && (DROPPED.has(key) || key.startsWith('x-'))) continue;
    out[key] = !names && LITERALS.has(key) ? value : strip(value, !names && NAME_MAPS.has(key) && isNode(value));
  }
  return out;
}

/** Rewrites every `$ref` string with `change`. */
function mapRefs(node: unknown, change: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((item) => mapRefs(item, change));
  if (!isNode(node)) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' ? change(value) : mapRefs(value, change),
    ]),
  );
}

/** Okta's document plus our fragment; the fragment's `openapi.yaml#/…` refs become local. */
function merge(governance: Document, fragment: Document): Document {
  const local = mapRefs(fragment, (ref) => ref.replace(/^openapi\.yaml#/, '#')) as Document;
  const into = (target: Record<string, unknown>, source: Record<string, unknown>, where: string) => {
    for (const [name, value] of Object.entries(source)) {
      if (name in target) throw new Error(`tasks-api.yaml redefines ${where}.${name}`);
      target[name] = value;
    }
  };
  // A path Okta's document has may gain an operation it lacks (the Beta PATCH on a request), never lose one.
  for (const [path, item] of Object.entries(local.paths)) {
    const existing = governance.paths[path];
    if (!existing) {
      governance.paths[path] = item;
      continue;
    }
    into(existing, item, `paths.${path}`);
  }
  for (const [section, entries] of Object.entries(local.components)) {
    governance.components[section] ??= {};
    into(governance.components[section] as Node, entries, `components.${section}`);
  }
  return governance;
}

const SCHEMA_REF = '#/components/schemas/';

/** Follows references to parameters, bodies, responses and headers (schemas stay references). */
function resolve(document: Document, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isNode(current) && typeof current.$ref === 'string'; hops += 1) {
    const ref = current.$ref;
    if (ref.startsWith(SCHEMA_REF)) return current;
    const [, section, name] = ref.match(/^#\/components\/([^/]+)\/([^/]+)$/) ?? [];
    const target = section && name ? document.components[section]?.[name] : undefined;
    if (target === undefined || hops > 10) throw new Error(`unresolvable reference ${ref}`);
    current = target;
  }
  return current;
}

function operationForm(document: Document, operation: Node): Node {
  const out: Node = { ...operation };
  if (Array.isArray(out.parameters)) out.parameters = out.parameters.map((parameter) => resolve(document, parameter));
  if (out.requestBody) out.requestBody = resolve(document, out.requestBody);
  if (isNode(out.responses)) {
    out.responses = Object.fromEntries(
      Object.entries(out.responses).map(([status, response]) => {
        const resolved = { ...(resolve(document, response) as Node) };
        if (isNode(resolved.headers)) {
          resolved.headers = Object.fromEntries(
            Object.entries(resolved.headers).map(([name, header]) => [name, resolve(document, header)]),
          );
        }
        return [status, resolved];
      }),
    );
  }
  // Compiled outside the document, an operation's schemas must name the document they point into.
  return mapRefs(out, (ref) => (ref.startsWith(SCHEMA_REF) ? `${SCHEMAS_ID}${ref}` : ref)) as Node;
}

async function validationForm(document: Document): Promise<SpecDocument> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(document.paths)) {
    paths[path] = Object.fromEntries(
      Object.entries(item).map(([key, value]) => [
        key,
        key === 'parameters' && Array.isArray(value)
          ? operationForm(document, { parameters: value }).parameters
          : operationForm(document, value as Node),
      ]),
    );
  }
  const formats = new Set<string>();
  JSON.stringify(document, (key, value) => {
    if (key === 'format' && typeof value === 'string') formats.add(value);
    return value;
  });
  const { fullFormats } = await import('ajv-formats/dist/formats.js');
  return {
    openapi: document.openapi,
    info: {
      title: 'Okta Governance API + Tasks API (Gatehouse fragment), validation form',
      version: String(document.info.version),
    },
    paths,
    components: { schemas: (document.components.schemas ?? {}) as Record<string, unknown> },
    'x-annotation-formats': [...formats].filter((name) => !(name in fullFormats)).sort(),
  };
}

// ── Precompiled validators ─────────────────────────────────────────────────────────────────

async function precompile(spec: SpecDocument): Promise<string> {
  const [library, { OpenAPIValidator }, codegen, standalone] = await Promise.all([
    ajvLibrary(),
    import('openapi-backend'),
    import('ajv/dist/compile/codegen/index.js'),
    import('ajv/dist/standalone/index.js'),
  ]);
  // CommonJS under NodeNext: the function is the module object's default, or the default's default.
  type Standalone = (ajv: Ajv, refs?: Record<string, string>) => string;
  const exported = standalone.default as unknown as Standalone & { default?: Standalone };
  const standaloneCode = exported.default ?? exported;
  const formats = codegen._`require("ajv-formats/dist/formats").fullFormats`;
  const ajvs = new Map<boolean, Ajv>();
  const ajvFor = (coerce: boolean) => {
    let ajv = ajvs.get(coerce);
    if (!ajv) {
      ajv = createAjv(library, spec, coerce, { code: { source: true, formats } });
      ajvs.set(coerce, ajv);
    }
    return ajv;
  };
  const validator = new OpenAPIValidator({
    definition: spec as never,
    lazyCompileValidators: true,
    customizeAjv: (_fresh, options) => ajvFor(Boolean(options.coerceTypes)),
  });
  const ids = new Map<boolean, Record<string, string>>([
    [false, {}],
    [true, {}],
  ]);
  // standaloneCode finds functions by schema id; adding a compiled schema again returns its cached function.
  const keep = (coerce: boolean, name: string, validate: ValidateFunction) => {
    const ajv = ajvFor(coerce);
    const id = `urn:gatehouse:okta-governance:${name}`;
    ajv.addSchema(validate.schema as object, id);
    if (ajv.getSchema(id) !== validate) throw new Error(`${name} was compiled twice`);
    (ids.get(coerce) as Record<string, string>)[name] = id;
  };
  for (const operationId of PRECOMPILED) {
    if (!validator.router.getOperation(operationId)) throw new Error(`no operation ${operationId} in the document`);
    const request = validator.getRequestValidatorsForOperation(operationId) ?? [];
    // openapi-backend builds [body?, parameters]; only the parameters validator coerces.
    request.forEach((validate, index) => {
      keep(index === request.length - 1, `${operationId}#request#${index}`, validate);
    });
    const responses = validator.getStatusBasedResponseValidatorForOperation(operationId) ?? {};
    for (const [status, validate] of Object.entries(responses))
      keep(false, `${operationId}#response#${status}`, validate);
  }
  const module = (coerce: boolean) =>
    `(function (exports) {\n${standaloneCode(ajvFor(coerce), ids.get(coerce))}\nreturn exports;\n})({})`;
  return [
    '// Generated by scripts/okta-spec.ts (npm run spec:okta) from openapi.yaml and tasks-api.yaml. Do not edit.',
    `module.exports = Object.assign({}, ${module(false)}, ${module(true)});`,
    '',
  ].join('\n');
}

// ── Writing and checking ───────────────────────────────────────────────────────────────────

async function build(): Promise<Record<string, string>> {
  const { parse } = await import('yaml');
  // Okta's file repeats a dozen component keys; the last one wins, as in lenient loaders (PROVENANCE.md).
  const read = (name: string) => parse(vendor(name), { uniqueKeys: false, maxAliasCount: -1 }) as Document;
  const document = strip(merge(read('openapi.yaml'), read('tasks-api.yaml'))) as Document;
  const spec = await validationForm(document);
  const files: Record<string, string> = {
    [GENERATED.spec]: `${JSON.stringify(spec)}\n`,
    [GENERATED.validators]: await precompile(spec),
  };
  const manifest = {
    comment:
      'Generated by `npm run spec:okta`; test/sandbox/okta-spec-guard.test.ts fails when these hashes are stale.',
    inputs: inputs(),
    outputs: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha256(text)])),
    precompiled: PRECOMPILED,
  };
  files[GENERATED.manifest] = `${JSON.stringify(manifest, null, 2)}\n`;
  return files;
}

async function main(): Promise<void> {
  const files = await build();
  if (process.argv.includes('--check')) {
    const stale = Object.entries(files).filter(([name, text]) => {
      try {
        return vendor(name) !== text;
      } catch {
        return true;
      }
    });
    for (const [name] of stale) console.error(`${name} is out of date: run npm run spec:okta`);
    process.exitCode = stale.length > 0 ? 1 : 0;
    return;
  }
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(VENDOR_DIR, name)), { recursive: true });
    writeFileSync(join(VENDOR_DIR, name), text);
    console.log(`wrote ${name} (${Math.round(text.length / 1024)} KiB)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
