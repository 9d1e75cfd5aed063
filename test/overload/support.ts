import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { SERVICE_NAMES, SERVICES } from '../../platform/addresses.js';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import type { LoadSample } from '../../src/overload/index.js';
import type { ServiceFault, TestStack } from '../support/stack.js';

/** Holds requests in flight: each call the fault sees waits until `open()`. */
export interface HeldCalls {
  readonly fault: ServiceFault;
  /** Resolves once `count` calls in all have arrived (and are held). */
  arrived(count: number): Promise<void>;
  /** Lets every held call, and every later one, through. */
  open(): void;
}

export function holdCalls(): HeldCalls {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let arrivals = 0;
  const waiting: { count: number; resolve: () => void }[] = [];
  return {
    fault: async () => {
      arrivals += 1;
      for (const waiter of waiting.filter((w) => w.count <= arrivals)) waiter.resolve();
      await opened;
    },
    arrived: (count) =>
      new Promise((resolve) => {
        if (arrivals >= count) resolve();
        else waiting.push({ count, resolve });
      }),
    open: () => open(),
  };
}

/** A load a test sets at will, read by a gateway in place of its own process's. */
export class SettableLoad {
  current: LoadSample = { eventLoopDelayMs: 0, heapUsedPercent: 10 };
  readonly sample = (): LoadSample => this.current;
}

/**
 * Starts another gateway over `stack`'s services that reads its load from
 * `sampleLoad` (`startStack` has no way to pass one); the caller stops it.
 */
export async function startGatewayWithLoad(stack: TestStack, env: NodeJS.ProcessEnv, sampleLoad: () => LoadSample): Promise<Gateway> {
  const addresses = Object.fromEntries(SERVICE_NAMES.map((name) => [SERVICES[name].env, stack.servers[name].address]));
  const config = loadConfig({ NODE_ENV: 'test', ...env, PORT: '0', HOST: '127.0.0.1', ...addresses });
  return startGateway(config, { processMetrics: false, sampleLoad });
}

export { route, scrape } from '../support/metrics.js';

/** An HTTP response read off a raw socket. */
export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Parses the first response in `text` (one response, `Connection: close`, no chunking). */
export function parseRawResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, `not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers = new Map(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
    }),
  );
  return { status, headers, body: text.slice(end + 4) };
}

export interface SlowClient {
  /** Resolves with what the server answered, once it has closed the connection. */
  readonly answered: Promise<RawResponse>;
  /** Resolves once `count` body bytes (after the headers) have been sent. */
  sent(count: number): Promise<void>;
}

/**
 * Opens a raw connection to `url`'s host and port and sends `head` at once,
 * then `drip` one byte every `everyMs` (a slow client, as in a slowloris
 * attack) until the server closes the connection or `drip` runs out.
 */
export function slowClient(url: string, head: string, drip: string, everyMs: number): SlowClient {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let sentBytes = 0;
  const waiting: { count: number; resolve: () => void }[] = [];
  const chunks: Buffer[] = [];
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.once('connect', () => {
    socket.write(head);
    timer = setInterval(() => {
      if (sentBytes >= drip.length || !socket.writable) return clearInterval(timer);
      socket.write(drip[sentBytes]);
      sentBytes += 1;
      for (const waiter of waiting.filter((w) => w.count <= sentBytes)) waiter.resolve();
    }, everyMs);
  });
  const answered = new Promise<RawResponse>((resolve, reject) => {
    socket.once('close', () => {
      clearInterval(timer);
      // Nothing more will be sent: let whoever waits for more go on (and fail), rather than hang.
      for (const waiter of waiting) waiter.resolve();
      try {
        resolve(parseRawResponse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error as Error);
      }
    });
    // The server may reset the connection after answering; what it sent still counts.
    socket.on('error', () => {});
  });
  return {
    answered,
    sent: (count) =>
      new Promise((resolve) => {
        if (sentBytes >= count) resolve();
        else waiting.push({ count, resolve });
      }),
  };
}
