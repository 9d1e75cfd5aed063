import { ROOT_CONTEXT, SpanKind, context, propagation, trace, type Context } from '@opentelemetry/api';
import { endingWith } from '../spans.js';
import type { DomainEvent } from './catalogue.js';
import type { TraceCarrier } from './bus.js';

/**
 * How a trace follows an event: the trace context of the request that caused
 * it is captured when the write commits (it may be published later, by the
 * outbox relay), the publish is a PRODUCER span of that trace, the span's
 * context travels in the message headers (W3C `traceparent`, `tracestate`,
 * `baggage`), and each consumer's handling is a CONSUMER span under it.
 * Without tracing started these are no-ops and the headers stay empty.
 */

const tracer = trace.getTracer('pinstack-events');

/** The active trace context as headers, to store with an event until it is published. */
export function captureTrace(from: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(from, carrier);
  return carrier;
}

/**
 * Runs `publish` in a PRODUCER span, child of `trace` (or of the active
 * context), and gives it the headers to send: the span's own context.
 */
export async function withPublishSpan(
  event: DomainEvent,
  subject: string,
  carrier: TraceCarrier | undefined,
  publish: (headers: TraceCarrier) => Promise<void>,
): Promise<void> {
  const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : context.active();
  const span = tracer.startSpan(
    `publish ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'publish',
        'messaging.destination.name': subject,
        'messaging.message.id': event.id,
        'pinstack.event.type': event.type,
      },
    },
    parent,
  );
  const headers = captureTrace(trace.setSpan(parent, span));
  await endingWith(span, () => publish(headers));
}

/** Runs `handle` in a CONSUMER span, child of the context the message's headers carry. */
export async function withConsumeSpan<T>(
  subject: string,
  consumer: string,
  headers: TraceCarrier,
  attributes: { eventId?: string; attempt?: number },
  handle: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(
    `process ${subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.destination.name': subject,
        'messaging.consumer.group.name': consumer,
        ...(attributes.eventId ? { 'messaging.message.id': attributes.eventId } : {}),
        ...(attributes.attempt ? { 'messaging.nats.delivery_count': attributes.attempt } : {}),
      },
    },
    parent,
  );
  return endingWith(span, () => context.with(trace.setSpan(parent, span), handle));
}
