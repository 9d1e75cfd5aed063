import { pino, type Logger } from 'pino';

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
  });
}
