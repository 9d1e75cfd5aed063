import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { ApolloLink } from '@apollo/client/link';
import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { Observable } from 'rxjs';
import type { SessionStore } from '../session';

/** The gateway's close codes this client acts on (README, "Live notifications: subscriptions"). */
const UNAUTHORIZED = 4401;
const FORBIDDEN = 4403;

/**
 * An access token that expires sooner than this is renewed before it is
 * handed over: the gateway would close the connection at its expiry anyway,
 * and a token already expired on arrival is refused outright (4401).
 */
const RENEW_BEFORE_EXPIRY_MS = 30_000;

/** How a WebSocket closed, as graphql-ws reports it. */
interface CloseLike {
  code: number;
  reason: string;
}

function isCloseLike(value: unknown): value is CloseLike {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

/** `TOKEN_EXPIRED` of `Unauthorized: TOKEN_EXPIRED`: the gateway's reason after the protocol's word. */
function closeReason(event: CloseLike): string {
  return String(event.reason).split(': ')[1] ?? '';
}

/** When the access token expires (epoch ms), read from its own claims; the gateway checks the signature, not the client. */
function expiresAt(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** What the subscription link needs of the app. */
export interface SubscriptionLinkOptions {
  /** The gateway's GraphQL URL over HTTP; the WebSocket is the same URL with `ws:` or `wss:`. */
  url: string;
  session: SessionStore;
  /** Exchanges the refresh token, shared with the HTTP path (a refresh token works once). Resolves whether it worked. */
  renew: () => Promise<boolean>;
  /** Prints a document as the trusted-documents manifest holds it. */
  print: (document: DocumentNode) => string;
}

/** The link of subscriptions, and its connection. */
export interface SubscriptionLink {
  link: ApolloLink;
  client: Client;
}

/**
 * Subscriptions over the gateway's WebSocket (graphql-ws), authenticated as
 * the HTTP requests are, with the session's access token, here in
 * `connection_init`'s payload (`{ authorization: "Bearer …" }`):
 *
 * - the connection opens with the first subscription and closes after the
 *   last (graphql-ws's lazy mode), so a signed-out page holds none;
 * - **4403** (the token expired, or stopped verifying, while connected):
 *   graphql-ws reconnects by itself and asks for the connection's parameters
 *   again, where the token is renewed first through the same refresh as the
 *   HTTP path; the subscriptions carry on over the new connection;
 * - **4401 `TOKEN_EXPIRED`** (a token that was already expired when it
 *   arrived): graphql-ws does not retry a 4401, so each subscription renews
 *   the token and subscribes again, once;
 * - **4401, any other reason** (`TOKEN_INVALID`, an account that changed):
 *   the session ends, as when the HTTP path is refused for that reason.
 *
 * Each document goes as its text exactly as the trusted-documents manifest
 * holds it, so that a gateway in trusted mode finds it on its list (and one
 * with automatic persisted queries needs no round trip for it).
 */
export function createSubscriptionLink({ url, session, renew, print }: SubscriptionLinkOptions): SubscriptionLink {
  /** The token the current (or last) connection was opened with. */
  let sentToken: string | undefined;
  /** A token the gateway said has expired: the next connection renews it first, unless the session holds another by then. */
  let expiredToken: string | undefined;

  /** A fresh token in place of `failed`: renewed, unless the session already holds another one. */
  const renewAfter = (failed: string | undefined): Promise<boolean> => {
    const current = session.get()?.accessToken;
    if (!current) return Promise.resolve(false);
    return current !== failed ? Promise.resolve(true) : renew();
  };

  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    lazy: true,
    connectionParams: async () => {
      let token = session.get()?.accessToken;
      const expiry = token === undefined ? undefined : expiresAt(token);
      if (token !== undefined && (token === expiredToken || (expiry !== undefined && expiry - Date.now() < RENEW_BEFORE_EXPIRY_MS))) {
        await renewAfter(token);
        token = session.get()?.accessToken;
      }
      sentToken = token;
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    on: {
      closed: (event) => {
        if (!isCloseLike(event)) return;
        if (event.code === FORBIDDEN) expiredToken = sentToken;
        const reason = closeReason(event);
        // Refused for good: the session ends, unless it already moved on to another token.
        if (event.code === UNAUTHORIZED && reason !== 'TOKEN_EXPIRED' && sentToken !== undefined && sentToken === session.get()?.accessToken) session.set(null);
      },
    },
  });

  const link = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const payload = {
          query: print(operation.query),
          operationName: operation.operationName,
          variables: operation.variables,
          extensions: operation.extensions,
        };
        let stop: (() => void) | undefined;
        let stopped = false;
        let renewed = false;
        const start = () => {
          stop = client.subscribe(payload, {
            next: (value) => {
              renewed = false;
              observer.next(value as ApolloLink.Result);
            },
            complete: () => observer.complete(),
            error: (error: unknown) => {
              if (isCloseLike(error) && error.code === UNAUTHORIZED && closeReason(error) === 'TOKEN_EXPIRED' && !renewed) {
                renewed = true;
                const failed = sentToken;
                void renewAfter(failed).then((ok) => {
                  if (stopped) return;
                  if (ok) start();
                  else observer.error(asError(error));
                });
                return;
              }
              observer.error(asError(error));
            },
          });
        };
        start();
        return () => {
          stopped = true;
          stop?.();
        };
      }),
  );
  return { link, client };
}

/** What graphql-ws ends a subscription with, as Apollo Client expects an error. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (isCloseLike(error)) return new Error(`Socket closed with event ${error.code} ${error.reason}`);
  return new CombinedGraphQLErrors({ errors: (Array.isArray(error) ? error : [error]) as GraphQLFormattedError[] });
}
