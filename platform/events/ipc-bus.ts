import { randomUUID } from 'node:crypto';
import { encodeEvent, EVENT_VERSIONS, type DomainEvent, type EventType } from './catalogue.js';
import {
  DEFAULT_MAX_DELIVER,
  DEFAULT_RETRY_DELAYS_MS,
  type DeadLetter,
  type DurableConsumerOptions,
  type EventBus,
  type EventSubscription,
  type PublishOptions,
  type WatchOptions,
} from './bus.js';
import { handleDelivery, type EventLogger } from './delivery.js';
import { handleWatched } from './in-process-bus.js';
import { fromBase64, isTagged, toBase64, IPC_TAG, type ClientRequest, type HubMessage, type MessageChannel } from './ipc-protocol.js';
import { EventMetrics } from './metrics.js';
import { eventTopology, type EventTopology } from './topology.js';
import { withPublishSpan } from './tracing.js';

/** The launcher's event bus is out of reach: its channel closed, or it refused a request. */
export class LauncherBusError extends Error {
  readonly code = 'LAUNCHER_BUS_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'LauncherBusError';
  }
}

export interface IpcEventBusOptions {
  /** The channel to the process that holds the bus (`EventBusHub`). */
  channel: MessageChannel;
  namespace?: string;
  metrics?: EventMetrics;
  logger?: EventLogger;
}

/** A subscription's handler of what the hub sends it. */
type Receiver = (message: HubMessage) => void;

/**
 * A client of the event bus the local launcher holds (`EventBusHub`), over
 * this process's IPC channel: what `npm start` gives its children without
 * `NATS_URL`, so the services and the gateway, each a process, share one bus.
 * It keeps the contract the other buses keep: the hub stores and hands out,
 * and each delivery's handling (the handler, its span, the decision to
 * acknowledge, retry or dead-letter, the metrics) happens here.
 */
export class IpcEventBus implements EventBus {
  readonly kind = 'launcher';
  readonly topology: EventTopology;
  readonly #channel: MessageChannel;
  readonly #metrics: EventMetrics;
  readonly #logger: EventLogger;
  /** Tells the buses of one process apart at the hub. */
  readonly #client = randomUUID();
  readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  readonly #receivers = new Map<number, Receiver>();
  readonly #unlisten: (() => void)[];
  #nextRequest = 1;
  #nextSub = 1;
  #closed = false;

  constructor(options: IpcEventBusOptions) {
    this.#channel = options.channel;
    this.topology = eventTopology(options.namespace);
    this.#metrics = options.metrics ?? new EventMetrics();
    this.#logger = options.logger ?? { info() {}, warn() {}, error() {} };
    this.#unlisten = [
      this.#channel.onMessage((message) => {
        if (!isTagged(message) || message.client !== this.#client) return;
        this.#receive(message as HubMessage);
      }),
      this.#channel.onClose(() => this.#failPending()),
    ];
  }

  async publish(event: DomainEvent, options: PublishOptions = {}): Promise<void> {
    const subject = this.topology.subject(event.type, event.version);
    try {
      await withPublishSpan(event, subject, options.trace, (headers) =>
        this.#request({ op: 'publish', subject, data: toBase64(encodeEvent(event)), headers, messageId: event.id }),
      );
      this.#metrics.published.inc({ type: event.type });
    } catch (error) {
      this.#metrics.publishFailures.inc({ type: event.type });
      throw error;
    }
  }

  async consume<T extends EventType>(options: DurableConsumerOptions<T>): Promise<EventSubscription> {
    const policy = {
      handle: options.handle,
      maxDeliver: options.maxDeliver ?? DEFAULT_MAX_DELIVER,
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      metrics: this.#metrics,
      logger: this.#logger,
    };
    const durables = options.types.map((type) => ({
      durable: this.topology.durableName(options.consumer, type, EVENT_VERSIONS[type]),
      subject: this.topology.subject(type, EVENT_VERSIONS[type]),
    }));
    return this.#subscribe({ op: 'consume', consumer: options.consumer, durables }, (message) => {
      if (message.op === 'pending') this.#metrics.pending.set({ consumer: options.consumer }, message.count);
      if (message.op !== 'deliver') return;
      const { subject, headers, attempt, delivery } = message;
      void handleDelivery({ consumer: options.consumer, subject, data: fromBase64(message.data), headers, attempt }, policy).then(
        (outcome) => {
          // Closed meanwhile: the hub has put the delivery back already.
          if (!this.#closed) this.#channel.send({ tag: IPC_TAG, client: this.#client, op: 'settle', delivery, outcome });
        },
        (error: unknown) => this.#logger.error({ err: error, subject }, 'a delivery from the launcher’s event bus could not be handled'),
      );
    });
  }

  async watch(options: WatchOptions): Promise<EventSubscription> {
    // In order: each event waits for the one before it.
    let chain = Promise.resolve();
    return this.#subscribe({ op: 'watch', prefix: this.topology.allEvents.slice(0, -1), since: options.since?.getTime() }, (message) => {
      if (message.op !== 'event') return;
      const data = fromBase64(message.data);
      chain = chain.then(() => handleWatched({ subject: message.subject, data }, options.handle, this.#metrics, this.#logger));
    });
  }

  async watchDeadLetters(handle: (letter: DeadLetter) => void): Promise<EventSubscription> {
    return this.#subscribe({ op: 'watch-dead-letters' }, (message) => {
      if (message.op !== 'dead-letter') return;
      handle({ ...message.letter, data: fromBase64(message.letter.data) });
    });
  }

  /** Abandons every subscription at the hub (deliveries in flight come again) and leaves the channel. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#receivers.clear();
    try {
      if (this.#channel.connected) await this.#request({ op: 'close' }, true);
    } finally {
      for (const unlisten of this.#unlisten) unlisten();
      this.#failPending();
    }
  }

  async #subscribe(request: DistributiveOmit<Extract<ClientRequest, { op: 'consume' | 'watch' | 'watch-dead-letters' }>, 'sub'>, receiver: Receiver): Promise<EventSubscription> {
    const sub = this.#nextSub++;
    this.#receivers.set(sub, receiver);
    try {
      await this.#request({ ...request, sub } as ClientRequest);
    } catch (error) {
      this.#receivers.delete(sub);
      throw error;
    }
    let stopped: Promise<void> | null = null;
    return {
      stop: () =>
        (stopped ??= (this.#closed || !this.#channel.connected ? Promise.resolve() : this.#request({ op: 'stop', sub }).catch(() => undefined)).finally(() =>
          this.#receivers.delete(sub),
        )),
    };
  }

  #request(request: ClientRequest, closing = false): Promise<void> {
    if (this.#closed && !closing) return Promise.reject(new LauncherBusError('the event bus is closed'));
    if (!this.#channel.connected) return Promise.reject(new LauncherBusError('the launcher’s event bus is out of reach: its IPC channel is closed'));
    const id = this.#nextRequest++;
    // The launcher's children unref their channel (it must not keep them alive): an awaited answer must.
    const keepAlive = setInterval(() => {}, 60_000);
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#channel.send({ tag: IPC_TAG, client: this.#client, request: id, ...request });
    }).finally(() => clearInterval(keepAlive));
  }

  #receive(message: HubMessage): void {
    if (message.op === 'reply') {
      const pending = this.#pending.get(message.request);
      this.#pending.delete(message.request);
      if (message.error === undefined) pending?.resolve();
      else pending?.reject(new LauncherBusError(message.error));
      return;
    }
    this.#receivers.get(message.sub)?.(message);
  }

  #failPending(): void {
    for (const { reject } of this.#pending.values()) reject(new LauncherBusError('the launcher’s event bus is out of reach: its IPC channel closed'));
    this.#pending.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
