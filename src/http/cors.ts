import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * Response headers a browser page may read besides the CORS-safelisted ones:
 * when to retry after a 429 or a shed 503, and where the client stands in its
 * cost budget (draft-ietf-httpapi-ratelimit-headers). Without this a web
 * client on another origin sees `extensions.retryAfter` but not the header.
 */
export const CORS_EXPOSED_HEADERS = ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'];

/**
 * CORS for `/graphql`: `origins` (`CORS_ORIGINS`) may call it from a browser,
 * `'*'` any origin. A preflight is answered for the headers the page asks to
 * send (`Authorization`, `Content-Type`, Apollo's), and no cookies are
 * allowed: the gateway reads bearer tokens, never cookies.
 */
export function corsForOrigins(origins: string[] | '*'): RequestHandler {
  return cors({ origin: origins, exposedHeaders: CORS_EXPOSED_HEADERS, maxAge: 600 });
}
