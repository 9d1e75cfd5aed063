import { decodeEvent, EventDecodeError, type AnyDomainEvent, type EventType } from './catalogue.js';
import { retryDelay, type EventHandler, type TraceCarrier } from './bus.js';
import type { EventMetrics } from './metrics.js';
import { withConsumeSpan } from './tracing.js';

/** A logger as the bus uses it (pino's fits). */
export interface EventLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What to do with a delivered message once its handler has run. */
export type DeliveryOutcome =
  | { readonly kind: 'ack' }
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly reason: string }
  | { readonly kind: 'dead-letter'; readonly reason: string; readonly eventId?: string };

export interface DeliveredMessage {
  readonly consumer: string;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: TraceCarrier;
  /** 1 on the first delivery. */
  readonly attempt: number;
}

export interface DeliveryPolicy<T extends EventType> {
  readonly handle: EventHandler<T>;
  readonly maxDeliver: number;
  readonly retryDelaysMs: readonly number[];
  readonly metrics: EventMetrics;
  readonly logger: EventLogger;
}

/**
 * The one way both buses handle a durable consumer's delivery: read the
 * event, run the handler in a CONSUMER span of the publisher's trace, and say
 * whether to acknowledge, retry later or give up. The rules:
 *
 * - a message past `maxDeliver` deliveries (its consumer died during the last
 *   one) goes to the dead letters without running again;
 * - a message that is not an event (`MALFORMED`) can never succeed: dead letters at once;
 * - a type or version this build does not read is acknowledged and left alone;
 * - a handler that throws is retried after a delay, until its `maxDeliver`-th
 *   delivery fails, which goes to the dead letters.
 */
export async function handleDelivery<T extends EventType>(message: DeliveredMessage, policy: DeliveryPolicy<T>): Promise<DeliveryOutcome> {
  const { consumer, subject, attempt } = message;
  const outcome = await decide(message, policy);
  const type = typeLabel(subject);
  if (attempt > 1) policy.metrics.redeliveries.inc({ consumer, type });
  policy.metrics.consumed.inc({ consumer, type, outcome: outcome.kind === 'dead-letter' ? 'dead_letter' : outcome.kind });
  if (outcome.kind === 'dead-letter') {
    policy.metrics.deadLetters.inc({ consumer, type });
    policy.logger.error({ consumer, subject, attempt, reason: outcome.reason, eventId: outcome.eventId }, 'event sent to the dead letters');
  } else if (outcome.kind === 'retry') {
    policy.logger.warn({ consumer, subject, attempt, reason: outcome.reason, retryInMs: outcome.delayMs }, 'event handling failed; it will be delivered again');
  }
  return outcome;
}

async function decide<T extends EventType>(message: DeliveredMessage, policy: DeliveryPolicy<T>): Promise<DeliveryOutcome> {
  const { attempt } = message;
  let event: AnyDomainEvent;
  try {
    event = decodeEvent(message.data);
  } catch (error) {
    if (error instanceof EventDecodeError && error.code !== 'MALFORMED') return { kind: 'ignore', reason: error.message };
    return { kind: 'dead-letter', reason: (error as Error).message };
  }
  if (attempt > policy.maxDeliver) {
    return { kind: 'dead-letter', reason: `not acknowledged after ${policy.maxDeliver} deliveries`, eventId: event.id };
  }
  try {
    await withConsumeSpan(message.subject, message.consumer, message.headers, { eventId: event.id, attempt }, () =>
      policy.handle(event as never, { attempt }),
    );
    return { kind: 'ack' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (attempt >= policy.maxDeliver) return { kind: 'dead-letter', reason: `failed ${attempt} times, last: ${reason}`, eventId: event.id };
    return { kind: 'retry', delayMs: retryDelay(policy.retryDelaysMs, attempt), reason };
  }
}

/** `user.followed` from `<ns>.events.user.followed.v1`: the metric label, bounded by the catalogue. */
export function typeLabel(subject: string): string {
  const parts = subject.split('.');
  return parts.length >= 5 ? parts.slice(2, -1).join('.') : 'unknown';
}
