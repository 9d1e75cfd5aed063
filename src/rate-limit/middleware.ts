import type { Request, RequestHandler, Response } from 'express';
import { RateLimitedError, ServiceUnavailableError } from '../errors.js';
import { sendErrors } from '../http/error-response.js';
import type { LimitDecision, RateLimits } from './limiter.js';

/** What the limit store is called in SERVICE_UNAVAILABLE errors while it fails closed. */
const LIMIT_STORE = 'rate-limit';

/**
 * Counts every GraphQL request against its client's limit before Apollo Server
 * sees it: signed-in requests by viewer id, anonymous ones by client IP
 * (`req.ip`, which honours X-Forwarded-For only from proxies `TRUST_PROXY`
 * names). Signed-in requests count against their address's ceiling too, so
 * that tokens freshly issued to one address cannot each bring a new
 * allowance. A request over a limit gets HTTP 429 with `Retry-After` and a
 * RATE_LIMITED error, and costs nothing upstream.
 *
 * `viewerId` reads the request's token; a token that does not verify counts as
 * anonymous here, and the request is then refused with UNAUTHENTICATED as usual.
 */
export function rateLimitRequests(limits: RateLimits, viewerId: (req: Request) => Promise<string | null>): RequestHandler {
  return async (req, res, next) => {
    // Preflights carry no credentials and no operation.
    if (req.method === 'OPTIONS') return next();
    const id = await viewerId(req).catch(() => null);
    const ip = `ip:${clientIp(req)}`;
    let decision = id ? await limits.consume('signedIn', `user:${id}`) : await limits.consume('anonymous', ip);
    if (id && decision.outcome === 'allowed') decision = await limits.consume('signedInPerIp', ip);
    if (decision.outcome === 'allowed') return next();
    refuse(req, res, decision);
  };
}

/** What a resolver counts itself, once per field: an attempt to sign in, to create an account, to use a refresh token. */
export type AttemptKind = 'login' | 'register' | 'refresh';

/** The limits of one request that resolvers apply themselves, per field, by client IP. */
export interface RequestLimits {
  /**
   * Counts one attempt of `kind` before anything is done for it; throws
   * RATE_LIMITED over the limit, so a refused mutation creates nothing.
   * Each field counts, so aliases cannot multiply attempts.
   */
  attempt(kind: AttemptKind): Promise<void>;
}

const ATTEMPT_MESSAGES: Record<AttemptKind, string> = {
  login: 'Too many sign-in attempts; try again later.',
  register: 'Too many accounts created from this address; try again later.',
  refresh: 'Too many refresh-token attempts; try again later.',
};

export function requestLimits(limits: RateLimits, req: Request): RequestLimits {
  return addressLimits(limits, clientIp(req));
}

/** `requestLimits` for a client known by its address (`clientIp`). */
export function addressLimits(limits: RateLimits, address: string): RequestLimits {
  return {
    async attempt(kind) {
      const decision = await limits.consume(kind, `ip:${address}`);
      if (decision.outcome === 'limited') throw new RateLimitedError(decision.retryAfterSeconds, ATTEMPT_MESSAGES[kind], kind);
      if (decision.outcome === 'unavailable') throw new ServiceUnavailableError(LIMIT_STORE);
    },
  };
}

/** The client's address: the socket's peer, or what a trusted proxy forwarded (Express's `trust proxy`). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function refuse(req: Request, res: Response, decision: Exclude<LimitDecision, { outcome: 'allowed' }>): void {
  if (decision.outcome === 'limited') return sendErrors(req, res, 429, [new RateLimitedError(decision.retryAfterSeconds)]);
  const error = new ServiceUnavailableError(LIMIT_STORE);
  error.extensions.retryAfter = decision.retryAfterSeconds;
  sendErrors(req, res, 503, [error]);
}
