import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import type { GraphQLFormattedError } from 'graphql';
import WebSocket from 'ws';

/** How a connection ended, as the client saw it. */
export interface Closed {
  code: number;
  reason: string;
}

/**
 * A real graphql-ws client of a gateway, as an SPA would use it, connecting at
 * once and never retrying, so that a test sees every close as it happened.
 */
export interface SubscriptionClient {
  readonly client: Client;
  /** Resolves with the close code and reason once the socket has closed. */
  readonly closed: Promise<Closed>;
  /** Resolves once the server has acknowledged `connection_init`. */
  readonly connected: Promise<void>;
  /**
   * Starts a subscription; see `LiveSubscription`. `query` is '' when
   * `extensions.persistedQuery` names a trusted document by its hash alone
   * (the protocol wants a string there).
   */
  subscribe<D>(query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>): LiveSubscription<D>;
  /** Closes the socket from the client's side. */
  dispose(): Promise<void>;
}

/** One running subscription: its events as they arrive, and how it ended. */
export interface LiveSubscription<D> {
  readonly events: FormattedExecutionResult<D, unknown>[];
  /** Resolves with the errors it ended with, or null when it completed. */
  readonly ended: Promise<readonly GraphQLFormattedError[] | null>;
  /** Resolves once `count` events have arrived, with the first `count`. */
  atLeast(count: number): Promise<FormattedExecutionResult<D, unknown>[]>;
  /** Completes the subscription from the client's side. */
  unsubscribe(): void;
}

/** `http://host:port/graphql` as the WebSocket URL of the same endpoint. */
export function webSocketUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

/** Connects to the gateway at `httpUrl` with `connectionParams` (`{ authorization: 'Bearer …' }`, or none). */
export function connect(httpUrl: string, connectionParams?: Record<string, unknown>): SubscriptionClient {
  let resolveClosed!: (closed: Closed) => void;
  let resolveConnected!: () => void;
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  const connected = new Promise<void>((resolve) => (resolveConnected = resolve));
  const client = createClient({
    url: webSocketUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    // A close is a test's to assert on, not the client's to report.
    onNonLazyError: () => {},
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        resolveClosed({ code, reason: String(reason) });
      },
    },
  });
  return {
    client,
    closed,
    connected,
    subscribe<D>(query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>): LiveSubscription<D> {
      const events: FormattedExecutionResult<D, unknown>[] = [];
      const waiters: (() => void)[] = [];
      let resolveEnded!: (errors: readonly GraphQLFormattedError[] | null) => void;
      const ended = new Promise<readonly GraphQLFormattedError[] | null>((resolve) => (resolveEnded = resolve));
      const unsubscribe = client.subscribe<D>(
        { query, variables, ...(extensions ? { extensions } : {}) },
        {
          next: (value) => {
            events.push(value);
            for (const wake of waiters.splice(0)) wake();
          },
          error: (error) => {
            resolveEnded(Array.isArray(error) ? (error as GraphQLFormattedError[]) : [{ message: String((error as { reason?: string }).reason ?? error) }]);
            for (const wake of waiters.splice(0)) wake();
          },
          complete: () => {
            resolveEnded(null);
            for (const wake of waiters.splice(0)) wake();
          },
        },
      );
      let done = false;
      void ended.then(() => (done = true));
      return {
        events,
        ended,
        async atLeast(count) {
          while (events.length < count) {
            if (done) throw new Error(`the subscription ended after ${events.length} of ${count} events: ${JSON.stringify(await ended)}`);
            await new Promise<void>((resolve) => waiters.push(resolve));
          }
          return events.slice(0, count);
        },
        unsubscribe,
      };
    },
    async dispose() {
      await client.dispose();
    },
  };
}
