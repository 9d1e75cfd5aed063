import type { ErrorRequestHandler, Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { BadRequestError, formatGatewayError, GatewayErrorCode, normalizeError, type GatewayError } from '../errors.js';
import { REQUEST_ID_HEADER } from '../telemetry/http-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import { MediaType, responseMediaType } from './media-type.js';

/**
 * An answer the gateway writes itself, outside Apollo Server, ready for any
 * transport: an Express response ({@link sendErrors}) or a bare socket
 * ({@link httpMessage}).
 */
export interface ErrorAnswer {
  readonly status: number;
  /** `Content-Type`, and `Retry-After` when an error says when to retry. */
  readonly headers: Readonly<Record<string, string>>;
  /** The GraphQL-shaped JSON body: `{"errors":[...]}`. */
  readonly body: string;
}

/**
 * The answer refusing a request with `errors`: the body holds each error as
 * `formatGatewayError` shows it (message and extensions, less the HTTP hints;
 * masked as in production, since nothing here is for debugging), in the media
 * type the client accepts (`accept`, negotiated as Apollo Server does), with
 * `status` (by default the first error's HTTP hint, else 500, as Apollo Server
 * answers an error outside execution) and the `Retry-After` an error carries.
 */
export function errorAnswer(errors: readonly GatewayError[], options: { status?: number; accept?: string | null } = {}): ErrorAnswer {
  const mediaType = responseMediaType(options.accept) ?? MediaType.Json;
  const headers: Record<string, string> = { 'Content-Type': `${mediaType}; charset=utf-8` };
  for (const error of errors) {
    const retryAfter = error.extensions.retryAfter;
    if (typeof retryAfter === 'number') headers['Retry-After'] = String(retryAfter);
  }
  const body = JSON.stringify({ errors: errors.map((error) => formatGatewayError(error.toJSON(), error, true)) });
  return { status: options.status ?? httpStatusOf(errors[0]) ?? 500, headers, body };
}

/**
 * Answers a request that never reaches Apollo Server (refused by a limit, the
 * rate limiter or the load shedder) with {@link errorAnswer}.
 */
export function sendErrors(req: Request, res: Response, status: number, errors: readonly GatewayError[]): void {
  const answer = errorAnswer(errors, { status, accept: req.headers.accept });
  res.status(answer.status).set(answer.headers).send(answer.body);
}

/**
 * `answer` as a whole HTTP/1.1 response that closes the connection, for a
 * socket no HTTP response object wraps (one Node's parser refused).
 */
export function httpMessage(answer: ErrorAnswer): string {
  const headers = { ...answer.headers, 'Content-Length': String(Buffer.byteLength(answer.body)), Connection: 'close' };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n${lines.join('')}\r\n${answer.body}`;
}

/**
 * Express's last error handler: whatever a middleware passed on (a body the
 * parser refused, a bug) gets a GraphQL-shaped answer instead of Express's
 * HTML page, meaning what `normalizeError` says it means. A bug is logged with
 * its cause; the client gets only the request id to quote.
 */
export function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (thrown: unknown, req, res, next) => {
    if (res.headersSent) return next(thrown);
    const normalized = normalizeError(thrown);
    if (normalized.code === GatewayErrorCode.InternalServerError) {
      logger.error({ err: thrown, requestId: req.headers[REQUEST_ID_HEADER] }, 'internal error before GraphQL');
    }
    // Apollo Server answers its own refusals itself; were one to get here, it is still a refusal of the request.
    const error = normalized.kind === 'gateway' ? normalized.error : new BadRequestError(normalized.error.message);
    sendErrors(req, res, httpStatusOf(error) ?? 500, [error]);
  };
}

/** The HTTP status an error asks for in `extensions.http` (as Apollo Server reads it), if any. */
function httpStatusOf(error: GatewayError | undefined): number | undefined {
  const status = (error?.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}
