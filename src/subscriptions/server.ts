import type { DocumentNode, ExecutionArgs, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { VerifiedCredential } from '../auth/verify-token.js';
import type { Viewer } from '../auth/viewer.js';
import type { SubscriptionSettings } from '../config/index.js';
import {
  formatGatewayError,
  isGatewayErrorCode,
  normalizeError,
  PersistedQueryNotInListError,
  SubscriptionLimitExceededError,
  TokenKeysUnavailableError,
  type SubscriptionLimit,
} from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { subscribeWithEventContexts } from './events.js';
import { prepareSubscription, type DocumentRules } from './operation.js';

/**
 * Close codes the gateway ends a connection with, besides graphql-ws's own
 * (4400 bad request, 4408 init timeout, 4409 duplicate id, 4429 repeated init).
 */
export const SubscriptionCloseCode = {
  /** `connection_init` carried no access token, or one that does not verify: sign in. graphql-ws clients do not retry it. */
  Unauthorized: CloseCode.Unauthorized,
  /** The token expired or stopped verifying while connected: reconnect with a fresh one. graphql-ws clients retry it, asking for `connectionParams` again. */
  Forbidden: CloseCode.Forbidden,
  /** The client read too slowly, or the token keys could not be fetched: reconnect shortly. graphql-ws clients retry it. */
  TryAgainLater: 1013,
  /** The gateway is shutting down (graphql-ws's own). */
  GoingAway: 1001,
} as const;

/** The setTimeout limit (about 24.8 days); a later expiry is caught by the periodic token check instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SubscriptionServerOptions<C> {
  /** The gateway's HTTP server: WebSocket upgrades to `path` are taken over from it. */
  httpServer: Server;
  /** `/graphql`: the same URL as queries, as Apollo Sandbox and Apollo Client expect. */
  path: string;
  /** The executable schema, its permission rules included. */
  schema: GraphQLSchema;
  settings: SubscriptionSettings;
  production: boolean;
  /** The largest message a client may send (`MAX_BODY_BYTES`). */
  maxMessageBytes: number;
  /** `CORS_ORIGINS`: a browser page from another origin may not open a connection. */
  allowedOrigins: readonly string[] | '*';
  /** Verifies the access token of `connection_init`, as the HTTP path verifies `Authorization`. */
  verifyToken: (authorization: string) => Promise<VerifiedCredential | null>;
  documentRules: DocumentRules;
  /**
   * Under `PERSISTED_QUERIES=trusted`: the listed document a subscribe message
   * names, by its text or by `extensions.persistedQuery.sha256Hash` alone
   * (with `query: ""`, as the protocol wants a string there), or
   * undefined when it names none (refused with PERSISTED_QUERY_NOT_IN_LIST).
   * Absent, any document may run, within the document rules.
   */
  trustedDocument?: (query: unknown, hash: unknown) => string | undefined;
  /**
   * Whether the account the viewer's token was issued for still exists, asked
   * at each periodic re-check; false closes the connection (4403,
   * ACCOUNT_CHANGED) as the `hasAccount` rule refuses such a token over HTTP.
   * A failure to answer (the users service down) says nothing against it.
   */
  accountStillExists?: (viewer: Viewer) => Promise<boolean>;
  /** Cost checks before a subscription starts (its estimate, the viewer's cost budget); throws the refusal. */
  admit: (document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined, viewer: Viewer) => Promise<void>;
  /** A fresh context for the viewer: one to start each subscription, one per event. */
  context: (viewer: Viewer, clientAddress: string) => C;
  /** Called once the work of a context is done (its execution budget finished). */
  finish: (context: C) => void;
  metrics: Pick<GatewayMetrics, 'websocketConnections' | 'subscriptionsActive' | 'subscriptionsRefused' | 'websocketClosed'>;
  logger: Logger;
  /** The clock token expiry is timed by (epoch ms); the gateway's token clock. */
  now?: () => number;
}

/** The subscriptions endpoint of a gateway. */
export interface SubscriptionServer {
  /** Subscriptions running now. */
  active(): number;
  /** Closes every connection (1001 Going away), which ends their subscriptions and upstream streams; then stops taking upgrades. */
  dispose(): Promise<void>;
}

/** One acknowledged connection: whose it is, and what runs on it. */
interface Connection {
  readonly viewer: Viewer;
  readonly address: string;
  /** Running subscriptions by id, each with its root field (the gauge's label). */
  readonly subscriptions: Map<string, string>;
  readonly timers: NodeJS.Timeout[];
}

type ConnectionContext = Context<Record<string, unknown>, Extra & { connection?: Connection }>;

/**
 * GraphQL subscriptions over WebSocket (graphql-ws's graphql-transport-ws
 * protocol) on the gateway's own HTTP server and path.
 *
 * - **Who**: `connection_init` must carry `{ authorization: "Bearer <access
 *   token>" }`, verified exactly as the HTTP `Authorization` header; without
 *   one, or with one that does not verify, the socket closes with 4401. The
 *   connection closes with 4403 when the token expires, or when at a periodic
 *   re-check it no longer verifies (a signing key retired from the JWKS) or
 *   its account no longer exists (ACCOUNT_CHANGED).
 * - **What**: only subscriptions, each parsed and validated with the limits of
 *   a query (length, tokens, depth, aliases, directives, root fields), its
 *   cost estimated and paid from the viewer's cost budget; its root field
 *   passes its permission rule like any other.
 * - **How many**: `MAX_SUBSCRIPTIONS_PER_CONNECTION` and
 *   `MAX_SUBSCRIPTIONS_PER_VIEWER` (on this replica) are refused with
 *   SUBSCRIPTION_LIMIT_EXCEEDED; `MAX_WEBSOCKET_CONNECTIONS` at the upgrade.
 * - **How fast**: each event is resolved with a fresh context; a subscription
 *   holds at most `SUBSCRIPTION_BUFFER_EVENTS` events for its client (then
 *   SUBSCRIPTION_OVERFLOW), and a connection with more than
 *   `WEBSOCKET_MAX_BUFFERED_BYTES` unsent is closed with 1013.
 * - **Leaving**: a completed subscription or a closed connection ends its
 *   upstream stream at once.
 */
export function startSubscriptionServer<C>(options: SubscriptionServerOptions<C>): SubscriptionServer {
  const { settings, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const perViewer = new Map<string, number>();
  /** The connection each subscription's execution arguments belong to. */
  const argsConnection = new WeakMap<ExecutionArgs, Connection>();
  let active = 0;

  const wss = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    maxPayload: options.maxMessageBytes,
    verifyClient: ({ origin }, accept) => {
      if (wss.clients.size >= settings.maxConnections) return accept(false, 503, 'Too many connections');
      // Browsers send Origin; other clients need not. CORS_ORIGINS="*" admits every page.
      if (options.allowedOrigins !== '*' && origin && !options.allowedOrigins.includes(origin)) return accept(false, 403, 'Origin not allowed');
      accept(true);
    },
  });
  wss.on('connection', (socket) => {
    metrics.websocketConnections.inc();
    socket.once('close', () => metrics.websocketConnections.dec());
  });

  const close = (socket: WebSocket, code: number, reason: string, label: string) => {
    if (socket.readyState !== socket.OPEN) return;
    metrics.websocketClosed.inc({ reason: label });
    socket.close(code, reason);
  };

  const release = (connection: Connection, id: string) => {
    const field = connection.subscriptions.get(id);
    if (field === undefined) return;
    connection.subscriptions.delete(id);
    active -= 1;
    metrics.subscriptionsActive.dec({ field });
    const count = (perViewer.get(connection.viewer.id) ?? 1) - 1;
    if (count > 0) perViewer.set(connection.viewer.id, count);
    else perViewer.delete(connection.viewer.id);
  };

  const refuse = (reason: string, error: GraphQLError): readonly GraphQLError[] => {
    metrics.subscriptionsRefused.inc({ reason });
    return [error];
  };

  const format = (error: GraphQLError): GraphQLFormattedError => formatGatewayError(error.toJSON(), error, options.production);

  const cleanup = useServer<Record<string, unknown>, { connection?: Connection }>(
    {
      schema: options.schema,
      connectionInitWaitTimeout: settings.initTimeoutMs,

      onConnect: async (ctx: ConnectionContext) => {
        const { socket, request } = ctx.extra;
        const authorization = authorizationOf(ctx.connectionParams);
        if (authorization === undefined) {
          close(socket, SubscriptionCloseCode.Unauthorized, 'Unauthorized: SIGN_IN_REQUIRED', 'unauthorized');
          return false;
        }
        let credential: VerifiedCredential | null;
        try {
          credential = await options.verifyToken(authorization);
        } catch (error) {
          if (error instanceof TokenKeysUnavailableError) {
            close(socket, SubscriptionCloseCode.TryAgainLater, 'Try again later: token keys unavailable', 'token-keys-unavailable');
          } else {
            close(socket, SubscriptionCloseCode.Unauthorized, `Unauthorized: ${reasonOf(error)}`, 'unauthorized');
          }
          return false;
        }
        if (!credential) {
          close(socket, SubscriptionCloseCode.Unauthorized, 'Unauthorized: SIGN_IN_REQUIRED', 'unauthorized');
          return false;
        }
        const connection: Connection = {
          viewer: credential.viewer,
          address: request.socket.remoteAddress ?? 'unknown',
          subscriptions: new Map(),
          timers: [],
        };
        ctx.extra.connection = connection;
        // The connection ends with its token: when it expires, and whenever it stops verifying.
        const expiry = setTimeout(
          () => close(socket, SubscriptionCloseCode.Forbidden, 'Forbidden: TOKEN_EXPIRED', 'token-expired'),
          Math.min(Math.max(0, credential.expiresAt - now()), MAX_TIMER_MS),
        );
        const recheck = setInterval(() => {
          options.verifyToken(authorization).then(
            (still) => {
              if (!still || still.viewer.id !== connection.viewer.id) {
                close(socket, SubscriptionCloseCode.Forbidden, 'Forbidden: TOKEN_INVALID', 'token-rejected');
                return;
              }
              options.accountStillExists?.(connection.viewer).then(
                (exists) => {
                  if (!exists) close(socket, SubscriptionCloseCode.Forbidden, 'Forbidden: ACCOUNT_CHANGED', 'account-changed');
                },
                () => {},
              );
            },
            (error: unknown) => {
              // Keys that cannot be fetched just now say nothing against the token.
              if (error instanceof TokenKeysUnavailableError) return;
              close(socket, SubscriptionCloseCode.Forbidden, `Forbidden: ${reasonOf(error)}`, 'token-rejected');
            },
          );
        }, settings.tokenRecheckMs);
        expiry.unref();
        recheck.unref();
        connection.timers.push(expiry, recheck);
        return true;
      },

      onSubscribe: async (ctx: ConnectionContext, id, payload) => {
        const connection = ctx.extra.connection;
        // graphql-ws lets no subscribe message through before the connection is acknowledged.
        if (!connection) throw new Error('subscribe on a connection that was not acknowledged');
        // The same list as over HTTP: a socket is no way around trusted documents.
        let message = payload;
        if (options.trustedDocument) {
          const document = options.trustedDocument(payload.query, persistedQueryHash(payload.extensions));
          if (document === undefined) return refuse('not-in-list', new PersistedQueryNotInListError());
          message = { ...payload, query: document };
        }
        const prepared = prepareSubscription(message, options.documentRules);
        if (!('document' in prepared)) {
          metrics.subscriptionsRefused.inc({ reason: 'document' });
          return prepared;
        }
        const { viewer } = connection;
        if (connection.subscriptions.size >= settings.maxPerConnection) {
          return refuse('subscriptionsPerConnection', limitError('subscriptionsPerConnection', settings.maxPerConnection));
        }
        if ((perViewer.get(viewer.id) ?? 0) >= settings.maxPerViewer) {
          return refuse('subscriptionsPerViewer', limitError('subscriptionsPerViewer', settings.maxPerViewer));
        }
        // The place is taken before the cost is paid, so that subscribe messages racing each other cannot all pass the limits.
        connection.subscriptions.set(id, prepared.field);
        perViewer.set(viewer.id, (perViewer.get(viewer.id) ?? 0) + 1);
        active += 1;
        metrics.subscriptionsActive.inc({ field: prepared.field });
        try {
          await options.admit(prepared.document, payload.operationName, payload.variables ?? undefined, viewer);
        } catch (error) {
          release(connection, id);
          return refuse('cost', normalizeError(error).error);
        }
        const args: ExecutionArgs = {
          schema: options.schema,
          document: prepared.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: options.context(viewer, connection.address),
        };
        argsConnection.set(args, connection);
        return args;
      },

      subscribe: (args) => {
        const connection = argsConnection.get(args);
        if (!connection) throw new Error('a subscription started without its connection');
        return subscribeWithEventContexts(args, () => options.context(connection.viewer, connection.address), options.finish);
      },

      execute: () => {
        // prepareSubscription lets nothing else through.
        throw new Error('only subscriptions run over WebSocket');
      },

      onNext: (ctx: ConnectionContext, _id, _payload, _args, result) => {
        const { socket } = ctx.extra;
        // Sends are awaited one at a time per subscription, so this grows only
        // when a client stops reading while many subscriptions send at once.
        if (socket.bufferedAmount > settings.maxBufferedBytes) {
          close(socket, SubscriptionCloseCode.TryAgainLater, 'Try again later: reading too slowly', 'slow-consumer');
        }
        if (!result.errors) return undefined;
        return { ...result, errors: result.errors.map(format) };
      },

      onError: (_ctx, _id, _payload, errors) => errors.map(format),

      onComplete: (ctx: ConnectionContext, id) => {
        if (ctx.extra.connection) release(ctx.extra.connection, id);
      },

      onClose: (ctx: ConnectionContext) => {
        const { connection } = ctx.extra;
        if (!connection) return;
        for (const timer of connection.timers) clearTimeout(timer);
        // graphql-ws has stopped every subscription of the connection; their places are freed now, whatever completes later.
        for (const id of [...connection.subscriptions.keys()]) release(connection, id);
      },

      isProd: options.production,
    },
    wss,
    settings.keepAliveMs,
  );
  logger.debug({ path: options.path }, 'subscriptions over WebSocket');

  return {
    active: () => active,
    dispose: async () => {
      await cleanup.dispose();
    },
  };
}

function limitError(limit: SubscriptionLimit, max: number): GraphQLError {
  return new SubscriptionLimitExceededError(limit, max);
}

/** `extensions.persistedQuery.sha256Hash` of a subscribe message (Apollo's persisted-query extension), if any. */
function persistedQueryHash(extensions: Readonly<Record<string, unknown>> | null | undefined): unknown {
  const persisted = extensions?.persistedQuery;
  return persisted && typeof persisted === 'object' ? (persisted as { sha256Hash?: unknown }).sha256Hash : undefined;
}

/** The `authorization` of `connection_init`'s payload (any letter case), when it is a string. */
function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const key = Object.keys(params).find((name) => name.toLowerCase() === 'authorization');
  const value = key === undefined ? undefined : params[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The UNAUTHENTICATED reason of a refused token (`TOKEN_EXPIRED`), for a close reason. */
function reasonOf(error: unknown): string {
  const { error: gatewayError } = normalizeError(error);
  const reason = gatewayError.extensions.reason;
  if (typeof reason === 'string') return reason;
  return isGatewayErrorCode(gatewayError.extensions.code) ? gatewayError.extensions.code : 'TOKEN_INVALID';
}
