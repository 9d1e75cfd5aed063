import { pino, type Logger } from 'pino';
import { REDACT_PATHS, REDACTED, traceContextMixin } from '../../platform/log-context.js';

export type { Logger };

/**
 * A JSON logger for one service. `LOG_LEVEL` sets the level (default `info`;
 * tests run with `silent` unless they say otherwise).
 */
export function createLogger(service: string): Logger {
  return pino({
    name: service,
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The trace and span of the call being handled, so a log line leads to its trace.
    mixin: traceContextMixin,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  });
}
