import type { ChildProcess } from 'node:child_process';
import type { DeadLetter } from './bus.js';
import type { DeliveryOutcome, EventLogger } from './delivery.js';
import { InProcessBroker, startDeadLetterLoop, startDurableLoop, startWatchLoop, type ConsumerLoop, type InProcessBrokerOptions } from './in-process-bus.js';
import { fromBase64, ipcChannel, isTagged, toBase64, IPC_TAG, type ClientMessage, type HubMessage, type MessageChannel } from './ipc-protocol.js';

/** A client's state at the hub: its running loops and the deliveries it has not settled. */
interface ClientState {
  readonly loops: Map<number, ConsumerLoop[]>;
  readonly unsettled: Map<number, (outcome: DeliveryOutcome) => void>;
}

/** The outcome of a delivery whose consumer went away: its loop was abandoned, so nothing reads it. */
const GONE: DeliveryOutcome = { kind: 'retry', delayMs: 0, reason: 'the consumer went away' };

/**
 * The in-process broker held by the local launcher (`npm start` without
 * `NATS_URL`) for its children: each child's `IpcEventBus` publishes to it
 * and consumes from it over the child's IPC channel, so the services and the
 * gateway share one bus as they would share JetStream. The delivery rules
 * (what to acknowledge, retry or dead-letter) run in the child, with its
 * handlers, metrics and traces; the hub keeps the log, the durable consumers'
 * positions, the redeliveries and the dead letters. A child that ends (or
 * closes its bus) abandons its deliveries in flight: they come again to
 * whoever consumes next, as after a crash. Everything is in memory and lost
 * when the launcher stops.
 */
export class EventBusHub {
  readonly broker: InProcessBroker;
  readonly #logger: EventLogger;
  #nextDelivery = 1;

  constructor(options: InProcessBrokerOptions & { logger?: EventLogger } = {}) {
    this.broker = new InProcessBroker(options);
    this.#logger = options.logger ?? { info() {}, warn() {}, error() {} };
  }

  /** Serves the bus to the process at the other end of `channel` until it closes; returns how to stop sooner. */
  serve(channel: MessageChannel): () => void {
    const clients = new Map<string, ClientState>();
    const stateOf = (client: string) => {
      let state = clients.get(client);
      if (!state) {
        state = { loops: new Map(), unsettled: new Map() };
        clients.set(client, state);
      }
      return state;
    };
    const send = (message: HubMessage) => channel.send(message);
    const unlisten = channel.onMessage((message) => {
      if (!isTagged(message)) return;
      const request = message as ClientMessage;
      if (request.op === 'settle') {
        const settle = clients.get(request.client)?.unsettled.get(request.delivery);
        clients.get(request.client)?.unsettled.delete(request.delivery);
        settle?.(request.outcome);
        return;
      }
      void this.#handle(request, stateOf(request.client), send).then(
        () => send({ tag: IPC_TAG, client: request.client, op: 'reply', request: request.request }),
        (error: unknown) => send({ tag: IPC_TAG, client: request.client, op: 'reply', request: request.request, error: (error as Error).message ?? String(error) }),
      );
      if (request.op === 'close') {
        abandon(stateOf(request.client));
        clients.delete(request.client);
      }
    });
    const abandon = (state: ClientState) => {
      for (const loops of state.loops.values()) for (const loop of loops) loop.abandon();
      state.loops.clear();
      for (const settle of state.unsettled.values()) settle(GONE);
      state.unsettled.clear();
    };
    const end = () => {
      unlisten();
      unclose();
      for (const state of clients.values()) abandon(state);
      clients.clear();
    };
    const unclose = channel.onClose(end);
    return end;
  }

  async #handle(request: Extract<ClientMessage, { request: number }>, state: ClientState, send: (message: HubMessage) => void): Promise<void> {
    const client = request.client;
    const onError = (error: unknown) => this.#logger.error({ err: error }, 'a consumer of the launcher’s event bus stopped');
    switch (request.op) {
      case 'publish':
        this.broker.store(request.subject, fromBase64(request.data), request.headers, request.messageId);
        return;
      case 'consume': {
        const loops = request.durables.map(({ durable, subject }) =>
          startDurableLoop(this.broker, {
            consumer: request.consumer,
            durable,
            subject,
            deliver: (message, attempt) =>
              new Promise<DeliveryOutcome>((resolve) => {
                const delivery = this.#nextDelivery++;
                state.unsettled.set(delivery, resolve);
                send({ tag: IPC_TAG, client, op: 'deliver', sub: request.sub, delivery, subject: message.subject, data: toBase64(message.data), headers: message.headers, attempt });
              }),
            onIdle: (count) => send({ tag: IPC_TAG, client, op: 'pending', sub: request.sub, count }),
            onError,
          }),
        );
        state.loops.set(request.sub, loops);
        return;
      }
      case 'watch': {
        const loop = startWatchLoop(this.broker, {
          since: request.since,
          prefix: request.prefix,
          onMessage: (message) => send({ tag: IPC_TAG, client, op: 'event', sub: request.sub, subject: message.subject, data: toBase64(message.data) }),
          onError,
        });
        state.loops.set(request.sub, [loop]);
        return;
      }
      case 'watch-dead-letters': {
        const loop = startDeadLetterLoop(this.broker, (letter) => send({ tag: IPC_TAG, client, op: 'dead-letter', sub: request.sub, letter: wireLetter(letter) }), onError);
        state.loops.set(request.sub, [loop]);
        return;
      }
      case 'stop': {
        const loops = state.loops.get(request.sub) ?? [];
        state.loops.delete(request.sub);
        await Promise.all(loops.map((loop) => loop.stop()));
        return;
      }
      case 'close':
        return;
    }
  }

  /** Serves the bus to `child`, a process started with an IPC channel, until it ends. */
  serveChild(child: ChildProcess): () => void {
    return this.serve(ipcChannel(child));
  }
}

function wireLetter(letter: DeadLetter) {
  return { ...letter, data: toBase64(letter.data) };
}
