import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { eventTopology } from '../../platform/events/index.js';

/** The NATS server (with JetStream) the suite uses: `TEST_NATS_URL`, else the usual local one. */
export const TEST_NATS_URL = process.env.TEST_NATS_URL?.trim() || 'nats://127.0.0.1:4222';

/**
 * Why tests that need NATS should be skipped, or false when they must run.
 * Under CI they always run, so a missing server fails them instead of hiding them.
 */
export async function natsSkipReason(url = TEST_NATS_URL): Promise<string | false> {
  if (process.env.CI) return false;
  try {
    const nc = await connect({ servers: url, timeout: 1_000, maxReconnectAttempts: 0 });
    try {
      await jetstreamManager(nc).then((jsm) => jsm.getAccountInfo());
    } finally {
      await nc.close();
    }
    return false;
  } catch (error) {
    return `no NATS server with JetStream at ${url} (${(error as Error).message}); start one (nats-server -js) or set TEST_NATS_URL, or set CI to make this a failure`;
  }
}

/** A namespace (streams, subjects, durable consumers) no other run uses: never the shared `pinstack`. */
export function testNamespace(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

/** Deletes the streams of `namespace` (and with them their consumers), whatever exists of them. */
export async function deleteNamespace(namespace: string, url = TEST_NATS_URL): Promise<void> {
  const topology = eventTopology(namespace);
  const nc = await connect({ servers: url, timeout: 2_000 });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [topology.eventsStream, topology.deadLettersStream]) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/**
 * A TCP proxy in front of a NATS server that a test can cut (every connection
 * dropped, the port refusing new ones) and restore on the same port: the broker
 * "going away" for the clients that dial the proxy, and coming back.
 */
export class CuttableProxy {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  #port = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(url = TEST_NATS_URL): Promise<CuttableProxy> {
    const target = new URL(url);
    const proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 4222) });
    await proxy.open();
    return proxy;
  }

  /** The URL clients dial. */
  get url(): string {
    return `nats://127.0.0.1:${this.#port}`;
  }

  /** Accepts connections again, on the port it had. */
  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.#sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    server.listen(this.#port, '127.0.0.1');
    await once(server, 'listening');
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Drops every connection and refuses new ones until `open()`. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
