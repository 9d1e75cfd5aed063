import type { GraphQLFormattedError } from 'graphql';
import { GatewayErrorCode } from './codes.js';
import { normalizeError } from './normalize.js';

/** What a client reads in place of an error it may not see. */
export const MASKED_MESSAGE = 'Something went wrong on our side.';

/** The answer when even formatting failed: nothing of the error is trusted. */
const MASKED: GraphQLFormattedError = Object.freeze({
  message: MASKED_MESSAGE,
  extensions: Object.freeze({ code: GatewayErrorCode.InternalServerError }),
});

/**
 * What a client sees of an error: Apollo Server's `formatError`, and the body
 * of every answer the gateway writes itself (see src/http/error-response.ts).
 * `formatted` is the error as graphql-js and Apollo Server shaped it (with its
 * locations and path), `error` the value thrown, which `normalizeError` reads.
 *
 * - A gateway error shows its message and extensions, without the HTTP hints
 *   (`extensions.http`) Apollo Server has already applied.
 * - An error of Apollo Server's own is shown as Apollo Server wrote it.
 * - INTERNAL_SERVER_ERROR, the gateway's own or anything unknown, shows a fixed
 *   message in production: its message may name internals, so it stays in the log.
 *
 * No stack trace leaves the process in production. It never throws: whatever
 * goes wrong while formatting (a getter that throws, extensions that cannot be
 * written as JSON) is answered as INTERNAL_SERVER_ERROR with the fixed message.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown, production: boolean): GraphQLFormattedError {
  try {
    const shown = clientView(formatted, error, production);
    // Apollo Server writes the answer after this returns; it must be writable then.
    JSON.stringify(shown);
    return shown;
  } catch {
    return MASKED;
  }
}

function clientView(formatted: GraphQLFormattedError, error: unknown, production: boolean): GraphQLFormattedError {
  const normalized = normalizeError(error);
  const extensions = clientExtensions(formatted.extensions, production);
  const where = placeOf(formatted);
  if (normalized.kind === 'apollo') {
    return { message: String(formatted.message), ...where, extensions: { ...extensions, code: normalized.code } };
  }
  const { code, error: gatewayError } = normalized;
  if (code !== GatewayErrorCode.InternalServerError) {
    return {
      message: gatewayError.message,
      ...where,
      extensions: { ...extensions, ...clientExtensions(gatewayError.extensions, production), code },
    };
  }
  if (production) return { message: MASKED_MESSAGE, ...where, extensions: { code } };
  // Outside production the message helps whoever runs the gateway.
  return { message: String(formatted.message), ...where, extensions: { ...extensions, code } };
}

/** Where in the document and the answer the error belongs, when graphql-js said. */
function placeOf(formatted: GraphQLFormattedError): Pick<GraphQLFormattedError, 'locations' | 'path'> {
  const where: { -readonly [K in 'locations' | 'path']?: GraphQLFormattedError[K] } = {};
  if (Array.isArray(formatted.locations)) where.locations = formatted.locations;
  if (Array.isArray(formatted.path)) where.path = formatted.path;
  return where;
}

/** Extensions as clients see them: without HTTP hints, and without a stack trace in production. */
function clientExtensions(extensions: unknown, production: boolean): Record<string, unknown> {
  if (typeof extensions !== 'object' || extensions === null) return {};
  const { http: _http, stacktrace, ...rest } = extensions as Record<string, unknown>;
  return production || stacktrace === undefined ? rest : { ...rest, stacktrace };
}
