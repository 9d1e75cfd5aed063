import { pino, type Logger } from 'pino';
import { REDACT_PATHS, REDACTED, redactSecrets, traceContextMixin } from '../../platform/log-context.js';

export type { Logger };

/**
 * The gateway's JSON logger: one line per record with an ISO time, the level,
 * the trace and span ids of the code that logs, and secrets (Authorization
 * headers, passwords, tokens) redacted, also inside logged GraphQL variables.
 * A logged error never carries a request body (see `errorWithoutBody`).
 */
export function createGatewayLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'gateway',
    level,
    base: { service: 'gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceContextMixin,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { variables: redactSecrets, headers: redactSecrets, err: errorWithoutBody },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Pino's error serializer, less `body`: body-parser hangs the raw request
 * body (a login's password, say) on the errors it raises, and the standard
 * serializer writes every property an error has.
 */
export function errorWithoutBody(error: unknown): unknown {
  const serialized: unknown = pino.stdSerializers.err(error as Error);
  if (serialized === null || typeof serialized !== 'object') return serialized;
  const { body: _body, ...rest } = serialized as Record<string, unknown>;
  return rest;
}
