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
import { handleDelivery, typeLabel, type DeliveryOutcome, type EventLogger } from './delivery.js';
import { EventMetrics } from './metrics.js';
import { eventTopology, type EventTopology } from './topology.js';
import { withPublishSpan } from './tracing.js';

/** A message the broker holds. */
export interface StoredMessage {
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
 * and the gateway of one process (the test stack) share one broker. Under
 * `npm start` without `NATS_URL` the launcher holds the broker and its
 * children reach it over their IPC channels (`ipc-hub.ts`, `ipc-bus.ts`).
 */
export class InProcessBroker {
  readonly topology: EventTopology;
  readonly #log: StoredMessage[] = [];
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
  claim(durable: Durable): { message: StoredMessage; attempt: number } | { retryAt: number | null } {
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
  after(sequence: number, prefix: string): readonly StoredMessage[] {
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

  #find(sequence: number): StoredMessage | undefined {
    return this.#log.find((message) => message.sequence === sequence);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

const SILENT: EventLogger = { info() {}, warn() {}, error() {} };

/** How a durable consumer's loop hands out one delivery: the outcome says whether to acknowledge, retry or give up. */
export type Deliver = (message: StoredMessage, attempt: number) => Promise<DeliveryOutcome>;

export interface DurableLoopOptions {
  /** Who consumes: named on the dead letters. */
  consumer: string;
  /** The durable consumer's name (`topology.durableName`). */
  durable: string;
  /** The one subject it consumes. */
  subject: string;
  deliver: Deliver;
  /** Told how many messages wait whenever none is due (the consumer's lag). */
  onIdle?: (pending: number) => void;
  onError: (error: unknown) => void;
}

/**
 * Runs a durable consumer of `broker`: one delivery at a time to `deliver`,
 * then acknowledged, retried after the delay asked for, or sent to the dead
 * letters. A loop abandoned while a delivery is out puts it back, as a
 * redelivery (the consumer died before it acknowledged).
 */
export function startDurableLoop(broker: InProcessBroker, options: DurableLoopOptions): ConsumerLoop {
  const durable = broker.durable(options.durable, options.subject);
  return new ConsumerLoop(broker).run(async (loop) => {
    for (;;) {
      const claimed = broker.claim(durable);
      if ('retryAt' in claimed) {
        options.onIdle?.(broker.pending(durable));
        if (!(await loop.wait(claimed.retryAt))) return;
        continue;
      }
      const { message, attempt } = claimed;
      loop.inFlight = () => durable.redeliveries.push({ sequence: message.sequence, attempt: attempt + 1, dueAt: 0 });
      const outcome = await options.deliver(message, attempt);
      // Abandoned while the delivery was out: it was put back already.
      if (loop.abandoned) return;
      loop.inFlight = null;
      if (outcome.kind === 'retry') durable.redeliveries.push({ sequence: message.sequence, attempt: attempt + 1, dueAt: broker.now() + outcome.delayMs });
      if (outcome.kind === 'dead-letter') {
        broker.addDeadLetter({
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
  }, options.onError);
}

export interface WatchLoopOptions {
  /** Only messages stored at or after this time (ms since the epoch); by default, only those stored from now on. */
  since?: number;
  /** Subjects that start with this (`pinstack.events.`). */
  prefix: string;
  /** Told each message in order; the next waits until it resolves. */
  onMessage: (message: StoredMessage) => Promise<void> | void;
  onError: (error: unknown) => void;
}

/** Runs a watch of `broker`: every message under a prefix, in order, with nothing acknowledged. */
export function startWatchLoop(broker: InProcessBroker, options: WatchLoopOptions): ConsumerLoop {
  let sequence = broker.sequenceBefore(options.since);
  return new ConsumerLoop(broker).run(async (loop) => {
    for (;;) {
      const messages = broker.after(sequence, options.prefix);
      if (messages.length === 0) {
        if (!(await loop.wait(null))) return;
        continue;
      }
      for (const message of messages) {
        sequence = message.sequence;
        await options.onMessage(message);
        if (loop.stopping) return;
      }
    }
  }, options.onError);
}

/** Runs a watch of `broker`'s dead letters: those kept, oldest first, then new ones as they come. */
export function startDeadLetterLoop(broker: InProcessBroker, handle: (letter: DeadLetter) => void, onError: (error: unknown) => void): ConsumerLoop {
  let index = 0;
  return new ConsumerLoop(broker).run(async (loop) => {
    for (;;) {
      const letters = broker.deadLettersFrom(index);
      index += letters.length;
      for (const letter of letters) handle(letter);
      if (!(await loop.wait(null))) return;
    }
  }, onError);
}

/** A client of an `InProcessBroker`. Closing it abandons what its handlers are still doing: those deliveries come again, as after a crash. */
class InProcessBus implements EventBus {
  readonly kind = 'in-process';
  readonly topology: EventTopology;
  readonly #loops = new Set<ConsumerLoop>();
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
    this.#ensureOpen();
    const policy = {
      handle: options.handle,
      maxDeliver: options.maxDeliver ?? DEFAULT_MAX_DELIVER,
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      metrics: this.metrics,
      logger: this.logger,
    };
    const loops = options.types.map((type) => {
      const version = EVENT_VERSIONS[type];
      return this.#track(
        startDurableLoop(this.broker, {
          consumer: options.consumer,
          durable: this.topology.durableName(options.consumer, type, version),
          subject: this.topology.subject(type, version),
          deliver: (message, attempt) =>
            handleDelivery({ consumer: options.consumer, subject: message.subject, data: message.data, headers: message.headers, attempt }, policy),
          onIdle: (pending) => this.metrics.pending.set({ consumer: options.consumer }, pending),
          onError: this.#onError,
        }),
      );
    });
    return { stop: () => Promise.all(loops.map((loop) => loop.stop())).then(() => undefined) };
  }

  async watch(options: WatchOptions): Promise<EventSubscription> {
    this.#ensureOpen();
    const loop = this.#track(
      startWatchLoop(this.broker, {
        since: options.since?.getTime(),
        prefix: this.topology.allEvents.slice(0, -1),
        onMessage: (message) => handleWatched(message, options.handle, this.metrics, this.logger),
        onError: this.#onError,
      }),
    );
    return { stop: () => loop.stop() };
  }

  async watchDeadLetters(handle: (letter: DeadLetter) => void): Promise<EventSubscription> {
    this.#ensureOpen();
    const loop = this.#track(startDeadLetterLoop(this.broker, handle, this.#onError));
    return { stop: () => loop.stop() };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const loop of this.#loops) loop.abandon();
    this.#loops.clear();
  }

  readonly #onError = (error: unknown) => this.logger.error({ err: error }, 'an in-process consumer stopped');

  #ensureOpen(): void {
    if (this.#closed) throw new Error('the event bus is closed');
  }

  #track(loop: ConsumerLoop): ConsumerLoop {
    this.#loops.add(loop);
    return loop;
  }
}

/**
 * How a watch handles one message, whichever bus carried it: what the handler
 * throws (or a message that is not an event) is logged and counted, and the watch goes on.
 */
export async function handleWatched(
  message: { subject: string; data: Uint8Array },
  handle: WatchOptions['handle'],
  metrics: EventMetrics,
  logger: EventLogger,
): Promise<void> {
  try {
    const event = decodeEvent(message.data);
    await handle(event);
    metrics.consumed.inc({ consumer: 'watch', type: event.type, outcome: 'ack' });
  } catch (error) {
    metrics.consumed.inc({ consumer: 'watch', type: typeLabel(message.subject), outcome: 'ignored' });
    logger.warn({ subject: message.subject, err: error }, 'a watched event could not be handled');
  }
}

/** One consuming loop on a broker: waits for it, and stops gracefully (`stop`) or at once (`abandon`). */
export class ConsumerLoop {
  stopping = false;
  abandoned = false;
  /** Puts the delivery in flight back for redelivery, when abandoned mid-delivery. */
  inFlight: (() => void) | null = null;
  #done: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;

  constructor(private readonly broker: InProcessBroker) {}

  run(body: (loop: ConsumerLoop) => Promise<void>, onError: (error: unknown) => void): this {
    this.#done = body(this).catch(onError);
    return this;
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

  /** Stops once the delivery in flight, if any, is done with. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.#wake?.();
    await this.#done;
  }

  /** Stops at once; the delivery in flight comes again. */
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
