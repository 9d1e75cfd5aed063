import type { AnyDomainEvent, DomainEvent, EventType } from './catalogue.js';
import type { EventTopology } from './topology.js';

/** W3C trace context (and baggage) as text headers: how a trace crosses the bus. */
export type TraceCarrier = Record<string, string>;

export interface PublishOptions {
  /**
   * The trace context of the request that caused the event, captured when the
   * write committed; the publish span joins that trace. By default, the active context.
   */
  trace?: TraceCarrier;
}

/** How a durable consumer's message is being delivered. */
export interface Delivery {
  /** 1 on the first delivery, then counting redeliveries. */
  readonly attempt: number;
}

/** A handler of a durable consumer: resolving acknowledges the event; throwing asks for it again, later. */
export type EventHandler<T extends EventType> = (event: DomainEvent<T>, delivery: Delivery) => Promise<void>;

export interface DurableConsumerOptions<T extends EventType> {
  /** Who consumes (`notifications`): names its durable consumers and dead letters. */
  consumer: string;
  /** The types it handles, each through a durable consumer of its own (one filter subject each). */
  types: readonly T[];
  handle: EventHandler<T>;
  /**
   * Deliveries of one event before it is given up on and sent to the dead
   * letters (`<ns>.dead-letters.<consumer>.<type>.v<version>`). Default 5.
   */
  maxDeliver?: number;
  /** How long a delivery may go unacknowledged before it is redelivered (a consumer that died). Default 30 s. */
  ackWaitMs?: number;
  /** Delay before a failed delivery is retried, by attempt (the last repeats). Default 1 s, 5 s, 15 s. */
  retryDelaysMs?: readonly number[];
}

export interface WatchOptions {
  /**
   * Only events stored at or after this time (a replica replays what may
   * still be cached); by default, only events published from now on.
   */
  since?: Date;
  /** Told each event in order; what it throws is logged and the watch goes on (nothing is redelivered). */
  handle: (event: AnyDomainEvent) => Promise<void> | void;
}

/** A message a durable consumer gave up on. */
export interface DeadLetter {
  readonly consumer: string;
  /** The subject it was consumed from. */
  readonly subject: string;
  /** The message as it was stored, undecoded: it may not be an event at all. */
  readonly data: Uint8Array;
  /** Deliveries made before giving up (1 for a message that can never be read). */
  readonly deliveries: number;
  readonly reason: string;
  /** The event's id, when the message could be read as an envelope. */
  readonly eventId?: string;
}

/** A running consumer or watch. */
export interface EventSubscription {
  /** Stops taking messages; one being handled finishes first. An unacknowledged one is redelivered later, elsewhere. */
  stop(): Promise<void>;
}

/**
 * Domain events between processes: published once stored, consumed at least
 * once. Three implementations keep this contract (test/events/bus-contract.ts
 * holds each to it): JetStream (`NATS_URL`), the in-process bus, and the
 * launcher's in-process bus reached over IPC (`npm start` without `NATS_URL`).
 */
export interface EventBus {
  readonly kind: 'jetstream' | 'in-process' | 'launcher';
  readonly topology: EventTopology;
  /**
   * Stores `event` on the bus. Resolves once stored (JetStream's PubAck);
   * rejects when it could not be, and may then be retried: a repeat within two
   * minutes is recognised by the event's id and stored once.
   */
  publish(event: DomainEvent, options?: PublishOptions): Promise<void>;
  /**
   * Consumes `types` through durable consumers that survive this process: each
   * event is handled at least once (so handlers are idempotent by event id),
   * acknowledged only once `handle` resolves, retried with delay when it throws,
   * and after `maxDeliver` deliveries sent to the dead letters. A message that
   * cannot be read as an event goes there at once. Declares what it needs on
   * the broker, idempotently, and keeps consuming across broker restarts.
   */
  consume<T extends EventType>(options: DurableConsumerOptions<T>): Promise<EventSubscription>;
  /**
   * Every event from `since`, in order, for this process alone (each replica
   * of the gateway watches for itself): nothing is acknowledged or
   * redelivered. Across broker restarts it resumes after the last event seen.
   */
  watch(options: WatchOptions): Promise<EventSubscription>;
  /** Every dead letter kept, oldest first, then new ones as they come: for operators and tests. */
  watchDeadLetters(handle: (letter: DeadLetter) => void): Promise<EventSubscription>;
  /** Stops every subscription and closes the connection. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_DELIVER = 5;
export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 15_000];

/** The delay before retrying after failed delivery number `attempt`. */
export function retryDelay(delays: readonly number[], attempt: number): number {
  return delays[Math.min(attempt - 1, delays.length - 1)] ?? 0;
}
