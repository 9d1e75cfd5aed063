import type { RequestHandler } from 'express';
import { Kind, parse } from 'graphql';
import { BadRequestError } from '../errors.js';
import { sendErrors } from './error-response.js';
import { requestErrorStatus } from './media-type.js';

/** What a client that sends a subscription over HTTP is told. */
export const SUBSCRIPTIONS_OVER_WEBSOCKET = 'Subscriptions are served over WebSocket (the graphql-transport-ws protocol) at this URL, not over HTTP.';

/**
 * Refuses a document with a subscription in it before Apollo Server sees it:
 * subscriptions are served over WebSocket (src/subscriptions). Not left to a
 * validation rule alone, because graphql-js 16's own SingleFieldSubscriptionsRule
 * throws, instead of reporting, on a subscription whose root uses `@skip` or
 * `@include` with a variable, and Apollo Server answers that throw with a 500.
 * Only a text that mentions `subscription` is parsed here (its length and
 * tokens are bounded already); one that does not parse is left to Apollo Server,
 * which answers the syntax error.
 */
export function subscriptionsOverWebSocketOnly(parseOptions: { maxTokens?: number }): RequestHandler {
  return (req, res, next) => {
    const query = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string' || !query.includes('subscription')) return next();
    let subscription: boolean;
    try {
      subscription = parse(query, parseOptions).definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === 'subscription');
    } catch {
      return next();
    }
    if (!subscription) return next();
    sendErrors(req, res, requestErrorStatus(req.headers.accept), [new BadRequestError(SUBSCRIPTIONS_OVER_WEBSOCKET)]);
  };
}
