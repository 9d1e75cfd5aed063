import { pino, type Logger } from 'pino';
import { REDACT_PATHS, REDACTED, redactSecrets, traceContextMixin } from '../../services/common/log-context.js';

export type { Logger };

/**
 * The gateway's JSON logger: one line per record with an ISO time, the level,
 * the trace and span ids of the code that logs, and secrets (Authorization
 * headers, passwords, tokens) redacted, also inside logged GraphQL variables.
 */
export function createGatewayLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'gateway',
    level,
    base: { service: 'gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceContextMixin,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { variables: redactSecrets, headers: redactSecrets },
  };
  return destination ? pino(options, destination) : pino(options);
}
