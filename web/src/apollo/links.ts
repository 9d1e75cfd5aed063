import { ApolloLink } from '@apollo/client/link';
import { ErrorLink } from '@apollo/client/link/error';
import { from, mergeMap, throwError, timer } from 'rxjs';
import type { SessionStore } from '../session';
import { gatewayErrors } from './gateway-errors';

/** Operation context the links below read and write. */
export interface PinstackContext {
  /** Sent without `Authorization`: signing in, refreshing, signing out. */
  anonymous?: boolean;
  /** The access token this attempt carried, to tell a stale failure from a fresh one. */
  sentAccessToken?: string;
  /** Already retried once with a refreshed token. */
  refreshed?: boolean;
  /** Retries so far after RATE_LIMITED or a shed request. */
  waits?: number;
}

/** `run`, with calls made while one is in flight sharing its result instead of starting another. */
export function sharedInFlight<T>(run: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => (inFlight ??= run().finally(() => (inFlight = null)));
}

/** Sends the session's access token as `Authorization: Bearer`, unless the operation is anonymous. */
export function authorizationLink(session: SessionStore): ApolloLink {
  return new ApolloLink((operation, forward) => {
    const context = operation.getContext() as PinstackContext;
    const token = context.anonymous ? undefined : session.get()?.accessToken;
    operation.setContext(({ headers }: { headers?: Record<string, string> }) => ({
      headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
      sentAccessToken: token,
    }));
    return forward(operation);
  });
}

/**
 * When the gateway refuses the access token as expired (UNAUTHENTICATED with
 * `extensions.reason: "TOKEN_EXPIRED"`), exchanges the refresh token once and
 * sends the operation again. `TOKEN_INVALID` and `ACCOUNT_CHANGED` cannot be
 * fixed by refreshing: the session ends, and the person signs in again.
 *
 * A refresh token works once, and presenting a spent one signs out every
 * session of that sign-in, so `refresh` must be shared (`sharedInFlight`) by
 * every path that renews the token, this link and the WebSocket's; an
 * operation that failed with a token already replaced simply goes again.
 */
export function refreshOnExpiryLink(session: SessionStore, refresh: () => Promise<boolean>): ApolloLink {
  return new ErrorLink(({ error, operation, forward }) => {
    const context = operation.getContext() as PinstackContext;
    if (context.anonymous || context.refreshed) return;
    const reasons = gatewayErrors(error).flatMap((each) => (each.extensions?.code === 'UNAUTHENTICATED' ? [each.extensions.reason] : []));
    const stale = context.sentAccessToken !== session.get()?.accessToken;
    if (!stale && reasons.some((reason) => reason === 'TOKEN_INVALID' || reason === 'ACCOUNT_CHANGED')) {
      session.set(null);
      return;
    }
    if (!reasons.includes('TOKEN_EXPIRED')) return;
    const renewed = stale ? Promise.resolve(true) : refresh();
    return from(renewed).pipe(
      mergeMap((ok) => {
        if (!ok) return throwError(() => error);
        operation.setContext({ refreshed: true } satisfies PinstackContext);
        return forward(operation);
      }),
    );
  });
}

/** How many times one operation waits out a refusal before the error reaches the screen. */
const MAX_WAITS = 2;
/** A longer wait is shown to the person rather than spent behind a spinner. */
const MAX_WAIT_SECONDS = 10;

/**
 * RATE_LIMITED (HTTP 429), or SERVICE_UNAVAILABLE from the gateway itself
 * shedding load (503): the request was refused before anything ran, so it is
 * safe to send again, mutations included, after the wait the gateway asks for.
 * It says so in `extensions.retryAfter` and in the `Retry-After` header
 * (exposed to the page by CORS); the extension is read first, as it needs no
 * header access. Only whole-request refusals wait: a field that failed beside
 * others' data is shown as it is.
 */
export function retryAfterLink(): ApolloLink {
  return new ErrorLink(({ error, result, operation, forward }) => {
    if (result?.data) return;
    const refusal = gatewayErrors(error).find(
      (each) => each.extensions?.code === 'RATE_LIMITED' || (each.extensions?.code === 'SERVICE_UNAVAILABLE' && each.extensions.service === 'gateway'),
    );
    if (!refusal) return;
    const context = operation.getContext() as PinstackContext & { response?: Response };
    const waits = context.waits ?? 0;
    const header = Number(context.response?.headers.get('Retry-After'));
    const seconds = refusal.extensions?.retryAfter ?? (Number.isFinite(header) ? header : undefined);
    if (seconds === undefined || seconds > MAX_WAIT_SECONDS || waits >= MAX_WAITS) return;
    operation.setContext({ waits: waits + 1 } satisfies PinstackContext);
    return timer(seconds * 1000).pipe(mergeMap(() => forward(operation)));
  });
}
