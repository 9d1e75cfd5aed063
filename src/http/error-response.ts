import type { Request, Response } from 'express';
import type { GatewayError } from '../errors.js';
import { MediaType, responseMediaType } from './media-type.js';

/**
 * Answers a request that never reaches Apollo Server (refused by a limit, the
 * rate limiter or the load shedder) with a GraphQL-shaped body: `errors` with
 * their message and extensions (less the HTTP hints), in the media type the
 * client accepts, with `status` and the `Retry-After` an error carries.
 */
export function sendErrors(req: Request, res: Response, status: number, errors: readonly GatewayError[]): void {
  const mediaType = responseMediaType(req.headers.accept) ?? MediaType.Json;
  for (const error of errors) {
    const retryAfter = error.extensions.retryAfter;
    if (typeof retryAfter === 'number') res.setHeader('retry-after', String(retryAfter));
  }
  const body = {
    errors: errors.map((error) => {
      const { http: _http, ...extensions } = error.extensions;
      return { message: error.message, extensions };
    }),
  };
  res.status(status).type(`${mediaType}; charset=utf-8`).send(JSON.stringify(body));
}
