import type { Request, RequestHandler, Response } from 'express';
import { GatewayErrorCode, RateLimitedError, ServiceUnavailableError } from '../errors.js';
import type { LimitDecision, RateLimits } from './limiter.js';

/** What the limit store is called in SERVICE_UNAVAILABLE errors while it fails closed. */
const LIMIT_STORE = 'rate-limit';

/**
 * Counts every GraphQL request against its client's limit before Apollo Server
 * sees it: signed-in requests by viewer id, anonymous ones by client IP
 * (`req.ip`, which honours X-Forwarded-For only from proxies `TRUST_PROXY`
 * names). A request over the limit gets HTTP 429 with `Retry-After` and a
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
    const decision = id ? await limits.consume('signedIn', `user:${id}`) : await limits.consume('anonymous', `ip:${clientIp(req)}`);
    if (decision.outcome === 'allowed') return next();
    refuse(res, decision);
  };
}

/** The limits of one request that resolvers apply themselves (login attempts, by client IP). */
export interface RequestLimits {
  /** Counts a login attempt; throws RATE_LIMITED over the limit. */
  loginAttempt(): Promise<void>;
}

export function requestLimits(limits: RateLimits, req: Request): RequestLimits {
  return {
    async loginAttempt() {
      const decision = await limits.consume('login', `ip:${clientIp(req)}`);
      if (decision.outcome === 'limited') throw new RateLimitedError(decision.retryAfterSeconds, 'Too many sign-in attempts; try again later.');
      if (decision.outcome === 'unavailable') throw new ServiceUnavailableError(LIMIT_STORE);
    },
  };
}

/** The client's address: the socket's peer, or what a trusted proxy forwarded (Express's `trust proxy`). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function refuse(res: Response, decision: Exclude<LimitDecision, { outcome: 'allowed' }>): void {
  res.setHeader('retry-after', String(decision.retryAfterSeconds));
  if (decision.outcome === 'limited') {
    res.status(429).json({
      errors: [{ message: 'Too many requests; try again later.', extensions: { code: GatewayErrorCode.RateLimited, retryAfter: decision.retryAfterSeconds } }],
    });
    return;
  }
  const error = new ServiceUnavailableError(LIMIT_STORE);
  res.status(503).json({ errors: [{ message: error.message, extensions: { code: error.code, service: LIMIT_STORE } }] });
}
