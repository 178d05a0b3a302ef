import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';

/**
 * What leaves the process of a trace (tracing.ts): the attribute names a span may carry out, and
 * the exporter every span passes through, which keeps those and drops everything else.
 */

/** Every attribute a span may carry out of the process; anything else is dropped at export. */
export const ATTR = {
  httpMethod: 'http.request.method',
  /** Fastify's route template, never the URL requested. */
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  /** A vendor path with its identifiers replaced (urlTemplate), never the URL called. */
  urlTemplate: 'url.template',
  errorType: 'error.type',
  /** Fastify's request id, when it is an id (a client may send any x-request-id). */
  httpRequestId: 'gatehouse.http.request_id',
  flow: 'gatehouse.flow',
  platform: 'gatehouse.platform',
  outcome: 'gatehouse.outcome',
  provider: 'gatehouse.governance.provider',
  operation: 'gatehouse.governance.operation',
  family: 'gatehouse.governance.family',
  attempt: 'gatehouse.attempt',
  accessRequest: 'gatehouse.access_request.id',
  chatKind: 'gatehouse.chat.kind',
  queueSystem: 'messaging.system',
  jobId: 'messaging.message.id',
  delayMs: 'gatehouse.queue.delay_ms',
} as const;

const ALLOWED: ReadonlySet<string> = new Set(Object.values(ATTR));

/**
 * The one way out for spans: a copy of each with only allowlisted attributes (on the span, its
 * events and links) and its status without a message, which could quote anything.
 */
export class RedactingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans.map(redacted), done);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function redacted(span: ReadableSpan): ReadableSpan {
  const attributes = allowed(span.attributes);
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    status: { code: span.status.code },
    attributes,
    events: span.events.map((event) => ({ name: event.name, time: event.time, attributes: allowed(event.attributes) })),
    links: span.links.map((link) => ({ context: link.context, attributes: allowed(link.attributes) })),
    droppedAttributesCount:
      span.droppedAttributesCount + Object.keys(span.attributes).length - Object.keys(attributes).length,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

function allowed(attributes: Attributes | undefined): Attributes {
  const kept: Attributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) if (ALLOWED.has(name)) kept[name] = value;
  return kept;
}
