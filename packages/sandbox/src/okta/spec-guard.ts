import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, Options as AjvOptions, ErrorObject, ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenAPIValidator, Operation } from 'openapi-backend';
import type { Fault } from './faults.js';

/**
 * The spec guard (issue 17): the emulator is held to Okta's own OpenAPI document. Every answer it
 * gives on a documented governance path is checked against the operation's documented statuses and
 * schemas, error bodies included; every call Gatehouse's Okta client makes is checked too (path,
 * parameters, body). What leaves the document is recorded in a process-wide list that the test
 * suite turns into failures (test/support/spec-guard.ts).
 *
 * Validation is openapi-backend's (router, parameter parsing, per-status response validators) on
 * Ajv. The document is not parsed here: scripts/okta-spec.ts turns the vendored YAML and our Tasks
 * fragment into generated/spec.json, and precompiles the validators of the operations the emulator
 * serves, because parsing 2.5 MB of YAML and compiling its schemas costs seconds in every test file.
 * Operations that were not precompiled still work: openapi-backend compiles them on first use.
 */

/** The vendored document, our Tasks fragment and what the generator derives from them. */
export const VENDOR_DIR = fileURLToPath(new URL('../../vendor/okta-governance/', import.meta.url));
export const GENERATED = {
  spec: 'generated/spec.json',
  validators: 'generated/validators.cjs',
  manifest: 'generated/manifest.json',
} as const;

/** The id Ajv knows the document's component schemas by; operations' schema `$ref`s point into it. */
export const SCHEMAS_ID = 'urn:gatehouse:okta-governance';

/** The generated document: resolved operations plus the component schemas they refer to. */
export interface SpecDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
  /** Okta's own format names (`okta-user-id`, `scim-filter`…): annotations, their patterns do the checking. */
  'x-annotation-formats': string[];
}

/**
 * `undocumented-operation`: the client called a governance path or method the documents lack.
 * `request`: the client's parameters or body. `response-status`: a status the operation does not
 * list. `response-body`: an answer outside the status's schema (or a body where none is described).
 * `unusable-spec`: the check itself could not run (a dangling `$ref` in Okta's file, a guard bug).
 */
export type SpecRule = 'undocumented-operation' | 'request' | 'response-status' | 'response-body' | 'unusable-spec';

export interface SpecViolation {
  method: string;
  /** Below the emulator's prefix, without the query string. */
  path: string;
  /** The document's operationId; for an undocumented call, `METHOD /path` with ids starred. */
  operation: string;
  rule: SpecRule;
  status?: number;
  /** What failed, one line each: a JSON pointer (array indexes starred) and Ajv's message. */
  problems: string[];
}

// On globalThis so that every copy of this module in a process (vitest may load two) shares one list.
const REGISTRY = Symbol.for('gatehouse.sandbox.okta.specViolations');
function registry(): SpecViolation[] {
  const holder = globalThis as { [REGISTRY]?: SpecViolation[] };
  holder[REGISTRY] ??= [];
  return holder[REGISTRY];
}

/** Everything recorded since the last clear, oldest first. */
export function specViolations(): readonly SpecViolation[] {
  return [...registry()];
}

export function clearSpecViolations(): void {
  registry().length = 0;
}

/** Ajv as the generator and the guard both configure it, so precompiled and lazy validators agree. */
export interface AjvLibrary {
  Ajv: typeof Ajv;
  addFormats: (ajv: Ajv) => unknown;
}

export async function ajvLibrary(): Promise<AjvLibrary> {
  const [{ Ajv: AjvClass }, formats] = await Promise.all([import('ajv'), import('ajv-formats')]);
  // ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
  const module = formats.default as unknown as { default?: (ajv: Ajv) => unknown } & ((ajv: Ajv) => unknown);
  return { Ajv: AjvClass, addFormats: module.default ?? module };
}

export function createAjv(library: AjvLibrary, spec: SpecDocument, coerce: boolean, extra: AjvOptions = {}): Ajv {
  // strict off: the document carries OpenAPI keywords Ajv does not know (`nullable`, `example`…).
  const ajv = new library.Ajv({
    strict: false,
    allErrors: true,
    logger: false,
    validateSchema: false,
    coerceTypes: coerce,
    ...extra,
  });
  library.addFormats(ajv);
  for (const name of spec['x-annotation-formats']) ajv.addFormat(name, true);
  ajv.addSchema({ $id: SCHEMAS_ID, components: { schemas: spec.components.schemas } });
  return ajv;
}

/** openapi-backend over the generated document, with the precompiled validators put in its caches. */
export async function createValidator(spec: SpecDocument, precompiled: Record<string, ValidateFunction> = {}) {
  const [{ OpenAPIValidator: Validator }, library] = await Promise.all([import('openapi-backend'), ajvLibrary()]);
  const ajvs = new Map<boolean, Ajv>();
  const validator = new Validator({
    definition: spec as never,
    lazyCompileValidators: true,
    // One Ajv per coercion mode, holding the component schemas once, instead of one per operation.
    customizeAjv: (_fresh, options) => {
      const coerce = Boolean(options.coerceTypes);
      let ajv = ajvs.get(coerce);
      if (!ajv) {
        ajv = createAjv(library, spec, coerce);
        ajvs.set(coerce, ajv);
      }
      return ajv;
    },
  });
  // Names are `operationId#request#index` and `operationId#response#status` (scripts/okta-spec.ts).
  for (const [name, validate] of Object.entries(precompiled)) {
    const [operationId = '', kind, key = ''] = name.split('#');
    if (kind === 'request') {
      validator.requestValidators[operationId] ??= [];
      validator.requestValidators[operationId][Number(key)] = validate;
    } else {
      validator.statusBasedResponseValidators[operationId] ??= {};
      validator.statusBasedResponseValidators[operationId][key] = validate;
    }
  }
  return validator;
}

let loaded: Promise<OpenAPIValidator> | undefined;

/** Loaded on the first governance call, once per process: test files that never call Okta pay nothing. */
function guardValidator(): Promise<OpenAPIValidator> {
  loaded ??= (async () => {
    const spec = JSON.parse(readFileSync(join(VENDOR_DIR, GENERATED.spec), 'utf8')) as SpecDocument;
    const require = createRequire(import.meta.url);
    return createValidator(spec, require(join(VENDOR_DIR, GENERATED.validators)));
  })();
  return loaded;
}

/**
 * Only governance paths are Okta's governance document's. The emulator's other paths (core Users
 * API `/api/v1/users…`, the token endpoint `/oauth2/v1/token`) belong to Okta's management
 * document, which is not vendored: they are out of the guard's scope, not passed.
 */
const GOVERNANCE = '/governance/';

/** Gatehouse's Okta client (src/api/http.ts); emulator tests send bad requests on purpose, it must not. */
const CLIENT_AGENT = /^gatehouse\//;

export interface SpecGuard {
  /** A fault is answering this call: its answer is staged, not the emulator's (delays change nothing). */
  excuse(request: FastifyRequest, fault: Fault): void;
  /**
   * The org does not have this API at all (a Beta it lacks: OktaOrgOptions.tasksApi `absent`), so
   * its 404 answers for no operation of the document. The client's call is still checked.
   */
  unserved(request: FastifyRequest): void;
}

/** Adds the guard's hooks to the emulator's plugin; `prefix` is where the emulator is mounted. */
export function specGuard(app: FastifyInstance, prefix: string): SpecGuard {
  const excused = new WeakSet<FastifyRequest>();
  const governancePath = (request: FastifyRequest) => {
    const pathname = request.url.split('?')[0] ?? '/';
    const path = prefix && pathname.startsWith(prefix) ? pathname.slice(prefix.length) || '/' : pathname;
    return path.startsWith(GOVERNANCE) ? path : undefined;
  };
  const fromClient = (request: FastifyRequest) => CLIENT_AGENT.test(String(request.headers['user-agent'] ?? ''));

  // After body parsing, so the body is there; calls refused earlier never reached the operation.
  app.addHook('preValidation', async (request) => {
    const path = governancePath(request);
    if (!path || !fromClient(request)) return;
    await guarded(request.method, path, (validator) => {
      const operation = matchOperation(validator, request.method, path);
      if (!operation) return; // reported once, with the answer
      const result = validator.validateRequest(
        {
          method: request.method,
          path,
          headers: request.headers as never,
          query: request.query as never,
          body: request.body,
        },
        operation,
      );
      if (!result.valid) report(request.method, path, operation, 'request', problemsOf(result.errors));
    });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const path = governancePath(request);
    if (!path) return payload;
    await guarded(request.method, path, (validator) => {
      const operation = matchOperation(validator, request.method, path);
      if (!operation) {
        if (fromClient(request)) {
          report(request.method, path, undefined, 'undocumented-operation', ['no operation in the document']);
        }
        return;
      }
      if (!excused.has(request)) checkAnswer(validator, operation, request.method, path, reply, payload);
    });
    return payload;
  });

  return {
    excuse(request, fault) {
      if (fault.kind !== 'delay') excused.add(request);
    },
    unserved(request) {
      excused.add(request);
    },
  };
}

function checkAnswer(
  validator: OpenAPIValidator,
  operation: Operation,
  method: string,
  path: string,
  reply: FastifyReply,
  payload: unknown,
): void {
  const status = reply.statusCode;
  const fail = (rule: SpecRule, problems: string[]) => report(method, path, operation, rule, problems, status);
  const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>;
  const documented = responses[String(status)] ?? responses[`${Math.floor(status / 100)}XX`] ?? responses.default;
  if (!documented) {
    fail('response-status', [`${status} is not documented (${Object.keys(responses).join(', ')} are)`]);
    return;
  }
  // A stream is not read here: the emulator sends none on governance paths.
  if (payload !== null && payload !== undefined && typeof payload !== 'string' && !Buffer.isBuffer(payload)) return;
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
  if (!documented.content) {
    if (text.length > 0) fail('response-body', ['a body, where the document describes none']);
    return;
  }
  if (!documented.content['application/json']?.schema) return; // another media type: not ours to check
  if (text.length === 0) {
    fail('response-body', ['no body, where the document describes one']);
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail('response-body', ['not JSON']);
    return;
  }
  const result = validator.validateResponse(body, operation, status);
  if (!result.valid) fail('response-body', problemsOf(result.errors));
}

let ready: OpenAPIValidator | undefined;

/**
 * Runs a check once the document is loaded, synchronously after the first time. A guard that
 * breaks must fail the suite, not hide: its own errors are recorded like violations.
 */
async function guarded(method: string, path: string, check: (validator: OpenAPIValidator) => void): Promise<void> {
  try {
    ready ??= await guardValidator();
    check(ready);
  } catch (error) {
    report(method, path, undefined, 'unusable-spec', [error instanceof Error ? error.message : String(error)]);
  }
}

function report(
  method: string,
  path: string,
  operation: Operation | undefined,
  rule: SpecRule,
  problems: string[],
  status?: number,
): void {
  const name = operation?.operationId ?? `${method} ${starIds(path)}`;
  registry().push({ method, path, operation: name, rule, ...(status === undefined ? {} : { status }), problems });
}

/** `/governance/api/v2/requests/reqAbc…123` → `/governance/api/v2/requests/*`: one allow-list line per route. */
function starIds(path: string): string {
  return path
    .split('/')
    .map((segment) => (/^(?=.*\d)[\w-]{12,}$/.test(segment) ? '*' : segment))
    .join('/');
}

interface Route {
  method: string;
  pattern: RegExp;
  operation: Operation;
}

const routeTables = new WeakMap<OpenAPIValidator, Route[]>();
const PARAMETER = /\{[^}]+\}/g;

/**
 * The document's operations as one table, most specific path first, as openapi-backend's router
 * orders them. Its matchOperation rebuilds the operation list and its patterns on every call
 * (3–4 ms), more than all the validation a call needs.
 */
function matchOperation(validator: OpenAPIValidator, method: string, path: string): Operation | undefined {
  let routes = routeTables.get(validator);
  if (!routes) {
    const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    routes = validator.router
      .getOperations()
      .map((operation) => ({
        method: operation.method,
        pattern: new RegExp(`^${operation.path.split(PARAMETER).map(literally).join('[^/]+')}$`),
        operation,
        literal: operation.path.replace(PARAMETER, '').length,
      }))
      .sort((a, b) => b.literal - a.literal);
    routeTables.set(validator, routes);
  }
  const wanted = method.toLowerCase();
  const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return routes.find((route) => route.method === wanted && route.pattern.test(normalized))?.operation;
}

/** Ajv's errors as stable lines: the same problem on every item of a list reads once. */
function problemsOf(errors: ErrorObject[] | null | undefined): string[] {
  const lines = (errors ?? []).map((error) => {
    const where = (error.instancePath || '/').replace(/\/\d+(?=\/|$)/g, '/*');
    const params = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
    const detail = params.additionalProperty ?? params.allowedValues?.join('|');
    return `${where} ${error.message ?? error.keyword}${detail === undefined ? '' : ` (${detail})`}`;
  });
  return [...new Set(lines)].sort();
}
