import { connect, headers as natsHeaders, nanos, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeEvent, encodeEvent, EVENT_VERSIONS, type DomainEvent, type EventType } from './catalogue.js';
import {
  DEFAULT_ACK_WAIT_MS,
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

export interface JetStreamBusOptions {
  /** `nats://host:port` (`NATS_URL`); several may be given, comma-separated. */
  url: string;
  namespace?: string;
  /** The connection's name, as the server's monitoring shows it (`pinstack-relations`). */
  name: string;
  logger: EventLogger;
  metrics?: EventMetrics;
  /** How long a publish waits for the broker's acknowledgement; default 5 s. */
  publishTimeoutMs?: number;
  /** How long events are kept in the stream; default 7 days. */
  eventsMaxAgeMs?: number;
  /** How long dead letters are kept; default 30 days. */
  deadLettersMaxAgeMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often a durable consumer's lag is read from the broker besides each delivery. */
const LAG_POLL_MS = 15_000;
/** Pause before a consumer loop that failed (the broker went away mid-setup) starts again. */
const LOOP_RESTART_MS = 1_000;
/** Headers of a dead letter: why it was given up on. */
export const DEAD_LETTER_HEADERS = {
  consumer: 'Pinstack-Dead-Letter-Consumer',
  subject: 'Pinstack-Dead-Letter-Subject',
  deliveries: 'Pinstack-Dead-Letter-Deliveries',
  reason: 'Pinstack-Dead-Letter-Reason',
  eventId: 'Pinstack-Dead-Letter-Event-Id',
} as const;

/** JetStream API error codes this module reads. */
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

/**
 * The event bus on NATS JetStream. The connection is made in the background
 * and made again for as long as the bus is open, so a process starts and
 * serves with the broker down: publishes fail until it answers (the outbox
 * retries them) and consumers start once it does. On every (re)connection the
 * streams, and each durable consumer before it consumes, are declared again,
 * idempotently: a broker that lost them (restarted without its store) gets them back.
 *
 * Durable consumers pull (explicit ack, `ack_wait`), one message at a time per
 * event type; the broker's `max_deliver` is one more than the bus's, so that a
 * consumer that died during the last delivery sees the message once more and
 * sends it to the dead letters instead of running it again.
 */
export class JetStreamBus implements EventBus {
  readonly kind = 'jetstream';
  readonly topology: EventTopology;
  readonly #options: JetStreamBusOptions;
  readonly #metrics: EventMetrics;
  readonly #connection: Promise<NatsConnection>;
  readonly #subscriptions = new Set<Subscription>();
  readonly #abort = new AbortController();
  #streamsReady: Promise<void> | null = null;
  #nc: NatsConnection | null = null;
  #closed = false;

  constructor(options: JetStreamBusOptions) {
    this.#options = options;
    this.topology = eventTopology(options.namespace);
    this.#metrics = options.metrics ?? new EventMetrics();
    this.#connection = this.#connect();
    // Nobody may await the connection (a process that only publishes, and never while the broker is down).
    this.#connection.catch(() => undefined);
  }

  async publish(event: DomainEvent, options: PublishOptions = {}): Promise<void> {
    const timeout = this.#options.publishTimeoutMs ?? 5_000;
    const subject = this.topology.subject(event.type, event.version);
    try {
      await withPublishSpan(event, subject, options.trace, async (trace) => {
        const nc = await withTimeout(this.#connection, timeout, 'the NATS server is not reachable');
        await withTimeout(this.#streams(), timeout, 'the event streams could not be declared');
        // The event id is the message id: a retry of a publish that did land is dropped by the stream.
        await jetstream(nc).publish(subject, encodeEvent(event), { msgID: event.id, headers: toHeaders(trace), timeout });
      });
      this.#metrics.published.inc({ type: event.type });
    } catch (error) {
      this.#metrics.publishFailures.inc({ type: event.type });
      throw error;
    }
  }

  async consume<T extends EventType>(options: DurableConsumerOptions<T>): Promise<EventSubscription> {
    const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
    const policy = { handle: options.handle, maxDeliver, retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, metrics: this.#metrics, logger: this.#options.logger };
    const subscriptions = options.types.map((type) => {
      const version = EVENT_VERSIONS[type];
      const durable = this.topology.durableName(options.consumer, type, version);
      const config: Partial<ConsumerConfig> = {
        durable_name: durable,
        filter_subject: this.topology.subject(type, version),
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
        max_deliver: maxDeliver + 1,
        deliver_policy: DeliverPolicy.All,
        max_ack_pending: 1_000,
      };
      return this.#subscribe(`${options.consumer} ${type}`, async (sub) => {
        const jsm = await this.#manager();
        await this.#declareConsumer(jsm, config);
        const consumer = await jetstream(this.#nc!).consumers.get(this.topology.eventsStream, durable);
        const lag = setInterval(() => {
          consumer.info().then(
            (info) => this.#metrics.pending.set({ consumer: options.consumer }, info.num_pending),
            () => undefined,
          );
        }, LAG_POLL_MS);
        lag.unref();
        try {
          const messages = await consumer.consume({ max_messages: 16 });
          sub.messages = messages;
      // Stopped while it was being set up: it would otherwise wait for a message to notice.
      if (sub.stopping) await messages.close();
          for await (const message of messages) {
            if (sub.stopping) break;
            this.#metrics.pending.set({ consumer: options.consumer }, message.info.pending);
            const outcome = await handleDelivery(
              { consumer: options.consumer, subject: message.subject, data: message.data, headers: fromHeaders(message.headers), attempt: message.info.deliveryCount },
              policy,
            );
            await this.#settle(message, outcome, options.consumer);
          }
        } finally {
          clearInterval(lag);
        }
      });
    });
    return { stop: () => Promise.all(subscriptions.map((sub) => sub.stop())).then(() => undefined) };
  }

  async watch(options: WatchOptions): Promise<EventSubscription> {
    const since = options.since;
    const initial = since ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() } : { deliver_policy: DeliverPolicy.New };
    const sub = this.#ordered('watch', this.topology.eventsStream, this.topology.allEvents, initial, async (message) => {
      try {
        const event = decodeEvent(message.data);
        await options.handle(event);
        this.#metrics.consumed.inc({ consumer: 'watch', type: event.type, outcome: 'ack' });
      } catch (error) {
        this.#metrics.consumed.inc({ consumer: 'watch', type: typeLabel(message.subject), outcome: 'ignored' });
        this.#options.logger.warn({ subject: message.subject, err: error }, 'a watched event could not be handled');
      }
    });
    return { stop: () => sub.stop() };
  }

  async watchDeadLetters(handle: (letter: DeadLetter) => void): Promise<EventSubscription> {
    const sub = this.#ordered('dead letters', this.topology.deadLettersStream, this.topology.allDeadLetters, { deliver_policy: DeliverPolicy.All }, async (message) => {
      const header = (name: string) => message.headers?.get(name) ?? '';
      const eventId = header(DEAD_LETTER_HEADERS.eventId);
      handle({
        consumer: header(DEAD_LETTER_HEADERS.consumer),
        subject: header(DEAD_LETTER_HEADERS.subject),
        data: message.data,
        deliveries: Number(header(DEAD_LETTER_HEADERS.deliveries)),
        reason: header(DEAD_LETTER_HEADERS.reason),
        ...(eventId ? { eventId } : {}),
      });
    });
    return { stop: () => sub.stop() };
  }

  /**
   * Closes the connection at once. Handlers still running are abandoned: their
   * messages, never acknowledged, are delivered again after `ack_wait`, as
   * after a crash. Stop subscriptions first (`stop()`) for a graceful end.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    for (const sub of this.#subscriptions) sub.abandon();
    const nc = this.#nc;
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
    // A connection attempt still under way is closed as soon as it succeeds.
    void this.#connection.then((late) => late.close()).catch(() => undefined);
  }

  async #connect(): Promise<NatsConnection> {
    const nc = await connect({
      servers: this.#options.url.split(',').map((server) => server.trim()),
      name: this.#options.name,
      // Keep trying, from the first attempt: the process serves without the broker meanwhile.
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 2_000,
    });
    if (this.#closed) {
      await nc.close();
      throw new Error('the event bus is closed');
    }
    this.#nc = nc;
    this.#options.logger.info({ server: nc.getServer(), namespace: this.topology.namespace }, 'connected to NATS JetStream');
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') this.#options.logger.warn({ server: nc.getServer() }, 'disconnected from NATS; reconnecting');
        if (status.type === 'reconnect') {
          this.#options.logger.info({ server: nc.getServer() }, 'reconnected to NATS');
          // The broker may have restarted without its store: declare the streams again.
          this.#streamsReady = null;
        }
      }
    })();
    return nc;
  }

  async #manager(): Promise<JetStreamManager> {
    const nc = await this.#connection;
    await this.#streams();
    return jetstreamManager(nc);
  }

  /** Declares both streams once per connection; a failed attempt is tried again by the next caller. */
  #streams(): Promise<void> {
    this.#streamsReady ??= (async () => {
      const jsm = await jetstreamManager(await this.#connection);
      await declareStream(jsm, {
        name: this.topology.eventsStream,
        subjects: [this.topology.allEvents],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        max_age: nanos(this.#options.eventsMaxAgeMs ?? 7 * DAY_MS),
        duplicate_window: nanos(120_000),
      });
      await declareStream(jsm, {
        name: this.topology.deadLettersStream,
        subjects: [this.topology.allDeadLetters],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        max_age: nanos(this.#options.deadLettersMaxAgeMs ?? 30 * DAY_MS),
        duplicate_window: nanos(120_000),
      });
    })().catch((error: unknown) => {
      this.#streamsReady = null;
      throw error;
    });
    return this.#streamsReady;
  }

  async #declareConsumer(jsm: JetStreamManager, config: Partial<ConsumerConfig>): Promise<void> {
    const stream = this.topology.eventsStream;
    try {
      await jsm.consumers.info(stream, config.durable_name!);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === CONSUMER_NOT_FOUND)) throw error;
      await jsm.consumers.add(stream, config);
      return;
    }
    // It exists: bring what may change between releases up to date (the filter and deliver policy cannot change).
    await jsm.consumers.update(stream, config.durable_name!, { ack_wait: config.ack_wait, max_deliver: config.max_deliver, max_ack_pending: config.max_ack_pending });
  }

  /** Acknowledges, retries or dead-letters a delivery as `handleDelivery` decided. */
  async #settle(message: JsMsg, outcome: DeliveryOutcome, consumer: string): Promise<void> {
    try {
      switch (outcome.kind) {
        case 'ack':
        case 'ignore':
          message.ack();
          return;
        case 'retry':
          message.nak(outcome.delayMs);
          return;
        case 'dead-letter': {
          const type = typeLabel(message.subject);
          const headers = natsHeaders();
          headers.set(DEAD_LETTER_HEADERS.consumer, consumer);
          headers.set(DEAD_LETTER_HEADERS.subject, message.subject);
          headers.set(DEAD_LETTER_HEADERS.deliveries, String(message.info.deliveryCount));
          headers.set(DEAD_LETTER_HEADERS.reason, outcome.reason.slice(0, 500));
          if (outcome.eventId) headers.set(DEAD_LETTER_HEADERS.eventId, outcome.eventId);
          const version = /\.v(\d+)$/.exec(message.subject)?.[1] ?? '0';
          await jetstream(this.#nc!).publish(this.topology.deadLetterSubject(consumer, type, Number(version)), message.data, {
            headers,
            // One dead letter per stored message, however often this is retried.
            msgID: `${consumer}:${message.info.stream}:${message.info.streamSequence}`,
          });
          // Stored as a dead letter: never deliver it again.
          message.term();
          return;
        }
      }
    } catch (error) {
      // The dead letter could not be stored (or the connection is gone): leave
      // the message unacknowledged, it comes again after ack_wait.
      this.#options.logger.warn({ consumer, subject: message.subject, err: error }, 'could not settle a delivery; it will come again');
    }
  }

  /** Runs `body` until stopped, starting it again after a failure (the broker went away mid-setup, a consumer was deleted). */
  /**
   * An ordered consumer of `stream` (ephemeral, flow-controlled) handing each
   * message to `handle` in order. Restarted by the loop after a gap or a
   * reconnection, it resumes after the last message seen, not from `initial` again.
   */
  #ordered(label: string, stream: string, subjects: string, initial: Partial<ConsumerConfig>, handle: (message: JsMsg) => Promise<void>): Subscription {
    let lastSequence = 0;
    return this.#subscribe(label, async (sub) => {
      await this.#manager();
      const start = lastSequence > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSequence + 1 } : initial;
      const consumer = await jetstream(this.#nc!).consumers.get(stream, { filter_subjects: subjects, ...start });
      const messages = await consumer.consume();
      sub.messages = messages;
      // Stopped while it was being set up: it would otherwise wait for a message to notice.
      if (sub.stopping) await messages.close();
      for await (const message of messages) {
        if (sub.stopping) break;
        lastSequence = message.seq;
        await handle(message);
      }
    });
  }

  #subscribe(label: string, body: (sub: Subscription) => Promise<void>): Subscription {
    const sub = new Subscription();
    this.#subscriptions.add(sub);
    sub.done = (async () => {
      while (!sub.stopping && !this.#closed) {
        try {
          await body(sub);
        } catch (error) {
          if (sub.stopping || this.#closed) break;
          this.#options.logger.warn({ consumer: label, err: error }, 'event consumer interrupted; starting again');
        }
        if (sub.stopping || this.#closed) break;
        await delay(LOOP_RESTART_MS, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      }
    })();
    sub.onStop = () => this.#subscriptions.delete(sub);
    return sub;
  }
}

/** One consuming loop of a JetStream bus. */
class Subscription {
  stopping = false;
  messages: ConsumerMessages | null = null;
  done: Promise<void> = Promise.resolve();
  onStop: () => void = () => undefined;

  /** Stops pulling; the message being handled is settled first. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close();
    await this.done;
    this.onStop();
  }

  /** Stops at once, settling nothing more. */
  abandon(): void {
    this.stopping = true;
    void this.messages?.close()?.catch(() => undefined);
  }
}

/** Creates the stream, or brings an existing one's settings up to date. */
async function declareStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND)) throw error;
    try {
      await jsm.streams.add(config);
      return;
    } catch (addError) {
      // Another process declared it between our look and our add: as good.
      if (!(addError instanceof JetStreamApiError)) throw addError;
      await jsm.streams.info(config.name);
      return;
    }
  }
  const { name, storage: _storage, retention: _retention, ...changeable } = config;
  await jsm.streams.update(name, changeable);
}

function toHeaders(trace: TraceCarrier): MsgHdrs {
  const headers = natsHeaders();
  for (const [key, value] of Object.entries(trace)) headers.set(key, value);
  return headers;
}

function fromHeaders(headers: MsgHdrs | undefined): TraceCarrier {
  const carrier: TraceCarrier = {};
  if (!headers) return carrier;
  for (const key of headers.keys()) carrier[key.toLowerCase()] = headers.get(key);
  return carrier;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
