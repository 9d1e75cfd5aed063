import { status } from '@grpc/grpc-js';
import { captureTrace, type DomainEvent, type TraceCarrier } from '../../../platform/events/index.js';
import { RpcError } from '../errors.js';

/**
 * The transactional outbox of a service: a write records the events it causes
 * in the same step as its data (in a database, the same transaction, as rows of
 * an outbox table), and the relay (`relay.ts`) publishes them afterwards,
 * retrying until the broker has stored each. So a write and its events cannot
 * diverge: a write that is refused records none, a write that succeeds has its
 * events published eventually, through any outage of the broker.
 */
export interface Outbox {
  /**
   * Throws UNAVAILABLE when the outbox is full (the broker has been away for
   * long): called by a repository before it writes, so that the write is
   * refused rather than done without its events.
   */
  ensureRoom(): void;
  /** Records `events`, with the trace context of the request writing them. Called by a repository within its write. */
  add(events: readonly DomainEvent[]): void;
}

/** An event waiting in the outbox, with the trace of the write that caused it. */
export interface OutboxEntry {
  readonly event: DomainEvent;
  readonly trace: TraceCarrier;
}

/** The events a write records, from its outcome (none when it changed nothing). */
export type EventsOf<T> = (outcome: T) => readonly DomainEvent[];

/** Events the memory outbox holds at most by default: about a minute of heavy writing, a few tens of MB. */
export const DEFAULT_OUTBOX_CAPACITY = 100_000;

/**
 * The outbox of an in-memory service, held with its data: both live and die
 * with the process, so neither outlives the other. Bounded: when the broker
 * has been unreachable long enough to fill it, writes are refused
 * (UNAVAILABLE, retryable) instead of losing their events.
 */
export class MemoryOutbox implements Outbox {
  readonly #entries: OutboxEntry[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #capacity: number;

  constructor({ capacity = DEFAULT_OUTBOX_CAPACITY }: { capacity?: number } = {}) {
    this.#capacity = capacity;
  }

  ensureRoom(): void {
    if (this.#entries.length >= this.#capacity) {
      throw new RpcError(status.UNAVAILABLE, 'events cannot be published right now and too many are waiting; try again later');
    }
  }

  add(events: readonly DomainEvent[]): void {
    if (events.length === 0) return;
    const trace = captureTrace();
    for (const event of events) this.#entries.push({ event, trace });
    for (const listener of this.#listeners) listener();
  }

  /** How many events wait to be published. */
  get size(): number {
    return this.#entries.length;
  }

  /** The oldest `limit` entries, still held. */
  peek(limit: number): readonly OutboxEntry[] {
    return this.#entries.slice(0, limit);
  }

  /** Removes the oldest entry, once published. */
  shift(): void {
    this.#entries.shift();
  }

  /** Calls `listener` after every `add`; returns how to stop. */
  onAdd(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
