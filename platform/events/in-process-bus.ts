import { decodeEvent, encodeEvent, EVENT_VERSIONS, type DomainEvent, type EventType } from './catalogue.js';
import {
  DEFAULT_MAX_DELIVER,
  DEFAULT_RETRY_DELAYS_MS,
  type DeadLetter,
  type DurableConsumerOptions,
  type EventBus,
  type EventSubscription,
  type PublishOptions,
  type TraceCarrier,
  type WatchOptions,
} from './bus.js';
import { handleDelivery, typeLabel, type EventLogger } from './delivery.js';
import { EventMetrics } from './metrics.js';
import { eventTopology, type EventTopology } from './topology.js';
import { withPublishSpan } from './tracing.js';

/** A message the broker holds. */
interface Stored {
  readonly sequence: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: TraceCarrier;
  readonly storedAt: number;
}

/** A delivery to come again, and when. */
interface Redelivery {
  readonly sequence: number;
  readonly attempt: number;
  readonly dueAt: number;
}

/** A durable consumer's state, kept by the broker across the clients that consume it. */
interface Durable {
  readonly subject: string;
  /** The last sequence handed out for the first time. */
  cursor: number;
  readonly redeliveries: Redelivery[];
}

export interface InProcessBrokerOptions {
  namespace?: string;
  /** Messages kept (the oldest go first); default 100,000. */
  maxMessages?: number;
  /** How long a published event id is remembered to drop a repeat; default 2 minutes, as JetStream's duplicate window. */
  duplicateWindowMs?: number;
  now?: () => number;
}

/**
 * What JetStream is to the services, in this process: one ordered, bounded
 * log of events, durable consumers that outlive the clients consuming them,
 * and dead letters. Every client (`client()`) is an `EventBus`; the services
 * and the gateway of one process (the test stack) share one broker. Events
 * cross no process boundary: under `npm start` without `NATS_URL` each process
 * has a broker of its own.
 */
export class InProcessBroker {
  readonly topology: EventTopology;
  readonly #log: Stored[] = [];
  readonly #maxMessages: number;
  readonly #duplicateWindowMs: number;
  readonly #now: () => number;
  readonly #seen = new Map<string, number>();
  readonly #durables = new Map<string, Durable>();
  readonly #deadLetters: DeadLetter[] = [];
  readonly #listeners = new Set<() => void>();
  #sequence = 0;

  constructor(options: InProcessBrokerOptions = {}) {
    this.topology = eventTopology(options.namespace);
    this.#maxMessages = options.maxMessages ?? 100_000;
    this.#duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
    this.#now = options.now ?? Date.now;
  }

  /** A new client of this broker. */
  client(options: { metrics?: EventMetrics; logger?: EventLogger } = {}): EventBus {
    return new InProcessBus(this, options.metrics ?? new EventMetrics(), options.logger ?? SILENT);
  }

  now(): number {
    return this.#now();
  }

  /** Stores a message unless its id was stored within the duplicate window; returns whether it stored it. */
  store(subject: string, data: Uint8Array, headers: TraceCarrier, messageId?: string): boolean {
    const now = this.#now();
    if (messageId !== undefined) {
      for (const [id, at] of this.#seen) {
        if (now - at < this.#duplicateWindowMs) break;
        this.#seen.delete(id);
      }
      if (this.#seen.has(messageId)) return false;
      this.#seen.set(messageId, now);
    }
    this.#log.push({ sequence: ++this.#sequence, subject, data, headers, storedAt: now });
    if (this.#log.length > this.#maxMessages) this.#log.shift();
    this.#notify();
    return true;
  }

  addDeadLetter(letter: DeadLetter): void {
    this.#deadLetters.push(letter);
    this.#notify();
  }

  deadLettersFrom(index: number): readonly DeadLetter[] {
    return this.#deadLetters.slice(index);
  }

  /** The durable consumer `name` on `subject`, created on first use. */
  durable(name: string, subject: string): Durable {
    let durable = this.#durables.get(name);
    if (!durable) {
      durable = { subject, cursor: 0, redeliveries: [] };
      this.#durables.set(name, durable);
    }
    return durable;
  }

  /** The next delivery due for `durable`: a redelivery that is due, else the next new message; or when to look again. */
  claim(durable: Durable): { message: Stored; attempt: number } | { retryAt: number | null } {
    const now = this.#now();
    durable.redeliveries.sort((a, b) => a.dueAt - b.dueAt || a.sequence - b.sequence);
    const due = durable.redeliveries[0];
    if (due && due.dueAt <= now) {
      durable.redeliveries.shift();
      const message = this.#find(due.sequence);
      if (message) return { message, attempt: due.attempt };
      return this.claim(durable);
    }
    const next = this.#log.find((message) => message.sequence > durable.cursor && message.subject === durable.subject);
    if (next) {
      durable.cursor = next.sequence;
      return { message: next, attempt: 1 };
    }
    return { retryAt: due ? due.dueAt : null };
  }

  /** Messages on `durable`'s subject not yet delivered to it, redeliveries included. */
  pending(durable: Durable): number {
    return this.#log.filter((message) => message.sequence > durable.cursor && message.subject === durable.subject).length + durable.redeliveries.length;
  }

  /** Messages after `sequence` on any subject under `prefix` (a watch). */
  after(sequence: number, prefix: string): readonly Stored[] {
    return this.#log.filter((message) => message.sequence > sequence && message.subject.startsWith(prefix));
  }

  /** The sequence of the last message stored before `time`, or the last of all when `time` is absent. */
  sequenceBefore(time?: number): number {
    if (time === undefined) return this.#sequence;
    const first = this.#log.find((message) => message.storedAt >= time);
    return first ? first.sequence - 1 : this.#sequence;
  }

  /** Calls `listener` whenever something is stored; returns how to stop. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #find(sequence: number): Stored | undefined {
    return this.#log.find((message) => message.sequence === sequence);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

const SILENT: EventLogger = { info() {}, warn() {}, error() {} };

/** A client of an `InProcessBroker`. Closing it abandons what its handlers are still doing: those deliveries come again, as after a crash. */
class InProcessBus implements EventBus {
  readonly kind = 'in-process';
  readonly topology: EventTopology;
  readonly #loops = new Set<Loop>();
  #closed = false;

  constructor(
    private readonly broker: InProcessBroker,
    private readonly metrics: EventMetrics,
    private readonly logger: EventLogger,
  ) {
    this.topology = broker.topology;
  }

  async publish(event: DomainEvent, options: PublishOptions = {}): Promise<void> {
    if (this.#closed) throw new Error('the event bus is closed');
    const subject = this.topology.subject(event.type, event.version);
    await withPublishSpan(event, subject, options.trace, async (headers) => {
      this.broker.store(subject, encodeEvent(event), headers, event.id);
    });
    this.metrics.published.inc({ type: event.type });
  }

  async consume<T extends EventType>(options: DurableConsumerOptions<T>): Promise<EventSubscription> {
    const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
    const retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const loops = options.types.map((type) => {
      const version = EVENT_VERSIONS[type];
      const durable = this.broker.durable(this.topology.durableName(options.consumer, type, version), this.topology.subject(type, version));
      return this.#start(async (loop) => {
        for (;;) {
          const claimed = this.broker.claim(durable);
          if ('retryAt' in claimed) {
            this.metrics.pending.set({ consumer: options.consumer }, this.broker.pending(durable));
            if (!(await loop.wait(claimed.retryAt))) return;
            continue;
          }
          const { message, attempt } = claimed;
          const inFlight = { sequence: message.sequence, attempt };
          loop.inFlight = () => durable.redeliveries.push({ ...inFlight, attempt: attempt + 1, dueAt: 0 });
          const outcome = await handleDelivery(
            { consumer: options.consumer, subject: message.subject, data: message.data, headers: message.headers, attempt },
            { handle: options.handle, maxDeliver, retryDelaysMs, metrics: this.metrics, logger: this.logger },
          );
          // Closed while the handler ran: the delivery was abandoned (and put back) already.
          if (loop.abandoned) return;
          loop.inFlight = null;
          if (outcome.kind === 'retry') durable.redeliveries.push({ sequence: message.sequence, attempt: attempt + 1, dueAt: this.broker.now() + outcome.delayMs });
          if (outcome.kind === 'dead-letter') {
            this.broker.addDeadLetter({
              consumer: options.consumer,
              subject: message.subject,
              data: message.data,
              deliveries: attempt,
              reason: outcome.reason,
              ...(outcome.eventId ? { eventId: outcome.eventId } : {}),
            });
          }
          if (loop.stopping) return;
        }
      });
    });
    return { stop: () => Promise.all(loops.map((loop) => loop.stop())).then(() => undefined) };
  }

  async watch(options: WatchOptions): Promise<EventSubscription> {
    let sequence = this.broker.sequenceBefore(options.since?.getTime());
    const prefix = this.topology.allEvents.slice(0, -1);
    const loop = this.#start(async (loop) => {
      for (;;) {
        const messages = this.broker.after(sequence, prefix);
        if (messages.length === 0) {
          if (!(await loop.wait(null))) return;
          continue;
        }
        for (const message of messages) {
          sequence = message.sequence;
          try {
            const event = decodeEvent(message.data);
            await options.handle(event);
            this.metrics.consumed.inc({ consumer: 'watch', type: event.type, outcome: 'ack' });
          } catch (error) {
            this.metrics.consumed.inc({ consumer: 'watch', type: typeLabel(message.subject), outcome: 'ignored' });
            this.logger.warn({ subject: message.subject, err: error }, 'a watched event could not be handled');
          }
          if (loop.stopping) return;
        }
      }
    });
    return { stop: () => loop.stop() };
  }

  async watchDeadLetters(handle: (letter: DeadLetter) => void): Promise<EventSubscription> {
    let index = 0;
    const loop = this.#start(async (loop) => {
      for (;;) {
        const letters = this.broker.deadLettersFrom(index);
        index += letters.length;
        for (const letter of letters) handle(letter);
        if (!(await loop.wait(null))) return;
      }
    });
    return { stop: () => loop.stop() };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const loop of this.#loops) loop.abandon();
    this.#loops.clear();
  }

  #start(body: (loop: Loop) => Promise<void>): Loop {
    if (this.#closed) throw new Error('the event bus is closed');
    const loop = new Loop(this.broker);
    this.#loops.add(loop);
    loop.run(body, (error) => this.logger.error({ err: error }, 'an in-process consumer stopped'));
    return loop;
  }
}

/** One consuming loop: waits for the broker, and stops gracefully (`stop`) or at once (`abandon`). */
class Loop {
  stopping = false;
  abandoned = false;
  /** Puts the delivery in flight back for redelivery, when abandoned mid-handler. */
  inFlight: (() => void) | null = null;
  #done: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;

  constructor(private readonly broker: InProcessBroker) {}

  run(body: (loop: Loop) => Promise<void>, onError: (error: unknown) => void): void {
    this.#done = body(this).catch(onError);
  }

  /** Waits until something is stored, or until `until` (ms since the epoch); false once stopping. */
  async wait(until: number | null): Promise<boolean> {
    if (this.stopping) return false;
    await new Promise<void>((resolve) => {
      const unlisten = this.broker.listen(() => wake());
      const timer = until === null ? undefined : setTimeout(() => wake(), Math.max(0, until - this.broker.now()));
      const wake = () => {
        unlisten();
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      this.#wake = wake;
    });
    return !this.stopping;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.#wake?.();
    await this.#done;
  }

  abandon(): void {
    this.stopping = true;
    this.abandoned = true;
    this.inFlight?.();
    this.inFlight = null;
    this.#wake?.();
  }
}

/** A bus of its own: one broker, one client. The embedded default when `NATS_URL` is unset. */
export function createInProcessBus(options: InProcessBrokerOptions & { metrics?: EventMetrics; logger?: EventLogger } = {}): EventBus {
  return new InProcessBroker(options).client(options);
}
