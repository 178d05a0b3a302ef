import {
  type Attributes,
  type Context,
  context,
  DiagLogLevel,
  diag,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError } from './config.js';
import { ATTR, RedactingExporter } from './tracing-export.js';

export { ATTR } from './tracing-export.js';

/**
 * OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT (or its _TRACES_ form) is set. One
 * trace follows a chat delivery: the inbound request, the flow it starts, each governance
 * exchange, the notifier's syncs (across the queue, on any replica) and every chat post and edit.
 *
 * Product code calls the helpers below, which use only @opentelemetry/api. Off, they call the work
 * they wrap and nothing else: no SDK is loaded, no provider, context manager or propagator is
 * registered, no span object is made. On, every span leaves through an allowlist of attribute
 * names (ATTR, tracing-export.ts): what a flow did and how it went, never who it was for or what they wrote.
 */

/** Where a span context travels in a queued job (W3C traceparent and tracestate). */
export type TraceCarrier = Record<string, string>;

/** Set while tracing runs; the tracer is the provider's own, so a restarted provider is never missed. */
let active: { tracer: Tracer } | undefined;

/** What the helpers hand their work while tracing is off: a span that records nothing. */
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `work` in a span of its own (a child of the active one, or of `parent`), ended when the work
 * settles; a failure marks it with the error's code, never its message.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  options: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  if (!active) return work(NOT_RECORDING);
  const kind = options.kind ?? SpanKind.INTERNAL;
  return active.tracer.startActiveSpan(name, { kind, attributes }, options.parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

function failed(span: Span, error: unknown): void {
  span.setAttribute(ATTR.errorType, errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * An error's code (Gatehouse's, Slack's, Node's), else its cause's (a refused delivery wraps the
 * platform's error), else its class name: what went wrong, never what it said.
 */
export function errorType(error: unknown): string {
  for (const candidate of [error, (error as { cause?: unknown } | undefined)?.cause]) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && /^[\w.-]{1,64}$/.test(code)) return code;
  }
  return error instanceof Error ? error.constructor.name : 'error';
}

/**
 * A flow a person started (Flows' `around`): its name, platform and outcome (`ok` or the refusal's
 * code). Flows know nothing of tracing; the composition root hands them this.
 */
export function traceFlow<O extends { ok: boolean }>(
  flow: string,
  platform: string,
  run: () => Promise<O>,
): Promise<O> {
  if (!active) return run();
  return inSpan(`flow ${flow}`, { [ATTR.flow]: flow, [ATTR.platform]: platform }, async (span) => {
    const outcome = await run();
    const code = outcome.ok ? 'ok' : (outcome as { error?: { code?: unknown } }).error?.code;
    span.setAttribute(ATTR.outcome, typeof code === 'string' ? code : 'failed');
    return outcome;
  });
}

/** A chat post or edit (`kind`: the card's role, `notice` or `reply`), as a client span. */
export function chatSpan<T>(
  platform: string,
  operation: 'post' | 'update',
  kind: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!active) return work();
  return inSpan(`chat ${operation}`, { [ATTR.platform]: platform, [ATTR.chatKind]: kind }, work, {
    kind: SpanKind.CLIENT,
  });
}

/** One governance exchange, as a client span: vendor, operation, rate family, path template, try and status. */
export function governanceSpan<T extends { response: Response }>(
  call: { provider: string; operation: string; family: string; method: string; path: string; attempt: number },
  exchange: () => Promise<T>,
): Promise<T> {
  if (!active) return exchange();
  const attributes = {
    [ATTR.provider]: call.provider,
    [ATTR.operation]: call.operation,
    [ATTR.family]: call.family,
    [ATTR.httpMethod]: call.method,
    [ATTR.urlTemplate]: urlTemplate(call.path),
    [ATTR.attempt]: call.attempt,
  };
  const traced = async (span: Span) => {
    const answer = await exchange();
    span.setAttribute(ATTR.httpStatus, answer.response.status);
    if (answer.response.status >= 400) span.setAttribute(ATTR.errorType, String(answer.response.status));
    return answer;
  };
  return inSpan(`governance ${call.operation}`, attributes, traced, { kind: SpanKind.CLIENT });
}

/**
 * A vendor path as a template: query dropped (Okta's user search carries an e-mail there) and every
 * segment that is not a plain word replaced by `{id}`, so ids, logins and e-mails never leave.
 */
export function urlTemplate(path: string): string {
  const [bare = ''] = path.split('?');
  return bare
    .split('/')
    .map((segment) => (segment === '' || /^(?:[a-z]+(?:[-_][a-z]+)*|v\d+)$/.test(segment) ? segment : '{id}'))
    .join('/');
}

/**
 * Queues a job as a producer span; `work` stores the carrier in the job, so whichever replica runs
 * it continues this trace (jobSpan). Nothing is carried while tracing is off.
 */
export function enqueueSpan<T>(
  system: 'memory' | 'bullmq',
  attributes: { requestId: string; delayMs?: number },
  work: (carrier: TraceCarrier | undefined) => Promise<T>,
): Promise<T> {
  if (!active) return work(undefined);
  const attrs: Attributes = { [ATTR.queueSystem]: system, [ATTR.accessRequest]: attributes.requestId };
  if (attributes.delayMs) attrs[ATTR.delayMs] = attributes.delayMs;
  const carried = () => {
    const carrier: TraceCarrier = {};
    propagation.inject(context.active(), carrier);
    return work(carrier);
  };
  return inSpan('queue enqueue', attrs, carried, { kind: SpanKind.PRODUCER });
}

/**
 * Runs a queued job as a consumer span, a child of the enqueue that queued it (one job is one
 * change's sync, caused by that enqueue alone, so the delivery stays one trace however late or
 * wherever it runs); a job queued without a trace starts its own.
 */
export function jobSpan<T>(carrier: unknown, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  if (!active) return work(NOT_RECORDING);
  const parent = isCarrier(carrier) ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  return inSpan('queue job', attributes, work, { kind: SpanKind.CONSUMER, parent });
}

function isCarrier(value: unknown): value is TraceCarrier {
  const traceparent = (value as { traceparent?: unknown } | null | undefined)?.traceparent;
  return typeof traceparent === 'string' && traceparent.length <= 64;
}

/** The routes by which chat and the governance system deliver work: each starts a trace. */
const DELIVERIES: ReadonlySet<string> = new Set(['/slack/events', '/api/messages', '/hooks/okta']);

/**
 * A server span around each delivery (a new trace, linked to an incoming `traceparent`), made the active span
 * from the handler on, so what the handler starts, even after its answer, is part of it. Probes,
 * scrapes and the sandbox's emulators are not traced. Nothing is hooked while tracing is off.
 */
export function traceDeliveries(app: FastifyInstance): void {
  const tracing = active;
  if (!tracing) return;
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route && DELIVERIES.has(route)) {
      const attributes: Attributes = { [ATTR.httpMethod]: request.method, [ATTR.httpRoute]: route };
      if (/^[\w.-]{1,64}$/.test(request.id)) attributes[ATTR.httpRequestId] = request.id;
      // A delivery starts its own trace: these routes are public, and a caller's `traceparent` is
      // read before its signature is checked, so it may only be linked to, never followed (its
      // sampled flag would switch tracing on or off for the delivery and every job it queues, and
      // its tracestate would travel into exported spans and jobs kept in Redis).
      const incoming = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, request.headers));
      const links =
        incoming && isSpanContextValid(incoming)
          ? [{ context: { traceId: incoming.traceId, spanId: incoming.spanId, traceFlags: incoming.traceFlags } }]
          : [];
      const name = `${request.method} ${route}`;
      spans.set(
        request,
        tracing.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, links, root: true }, ROOT_CONTEXT),
      );
    }
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span) context.with(trace.setSpan(context.active(), span), done);
    else done();
  });
  const end = (request: FastifyRequest, status?: number) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    if (status === undefined) {
      span.setAttribute(ATTR.errorType, 'aborted');
      span.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      span.setAttribute(ATTR.httpStatus, status);
      if (status >= 500) failed(span, { code: String(status) });
    }
    span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request);
    done();
  });
}

export interface Tracing {
  readonly on: boolean;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Exports what is left and unregisters everything (on shutdown). */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { on: false, flush: async () => {}, shutdown: async () => {} };

/**
 * Starts tracing when `env` names an OTLP endpoint; otherwise registers nothing and loads no SDK.
 * The SDK reads the standard variables itself (OTEL_SERVICE_NAME, default "gatehouse";
 * OTEL_RESOURCE_ATTRIBUTES; OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION; OTEL_TRACES_SAMPLER
 * and _ARG; OTEL_BSP_*). `exporter` replaces OTLP (tests: an in-memory one), behind the same
 * redaction. Throws ConfigError on an endpoint, protocol or exporter it cannot honour.
 */
export async function startTracing(
  env: NodeJS.ProcessEnv,
  logger: Logger,
  options: { exporter?: SpanExporter } = {},
): Promise<Tracing> {
  const endpoint = tracingEndpoint(env);
  if (!endpoint) return OFF;
  if (active) throw new Error('tracing is already started in this process');
  const [sdk, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
  ]);
  const exporter =
    options.exporter ?? new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': 'gatehouse' }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.NodeTracerProvider({
    resource,
    spanProcessors: [new sdk.BatchSpanProcessor(new RedactingExporter(exporter))],
  });
  provider.register();
  // Export failures are an operator's concern; said once each through the log, without detail
  // that could carry the exporter's headers.
  const warn = (message: unknown) => logger.warn({ otel: String(message).slice(0, 300) }, 'trace export problem');
  diag.setLogger({ error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  active = { tracer: provider.getTracer('gatehouse') };
  logger.info({ endpoint: endpoint.origin + endpoint.pathname }, 'tracing on: spans exported over OTLP');
  return {
    on: true,
    flush: () => provider.forceFlush(),
    async shutdown() {
      active = undefined;
      await provider.shutdown().catch((err: unknown) => logger.warn({ err }, 'traces not all exported'));
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}

/** The OTLP endpoint traces go to, or nothing when tracing is off (no endpoint, or turned off). */
function tracingEndpoint(env: NodeJS.ProcessEnv): URL | undefined {
  const given = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (!given || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || exporter === 'none') return undefined;
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(given);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    problems.push('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, e.g. http://otel-collector:4318');
  }
  if (exporter && exporter !== 'otlp') problems.push(`OTEL_TRACES_EXPORTER must be otlp or none (got ${exporter})`);
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (protocol && protocol !== 'http/protobuf') {
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL: Gatehouse exports http/protobuf only (got ${protocol})`);
  }
  if (problems.length > 0 || !url) throw new ConfigError(problems);
  return url;
}
