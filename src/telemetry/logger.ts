import { pino, type Logger } from 'pino';

export type { Logger };

/** The gateway's JSON logger. */
export function createGatewayLogger(level: string): Logger {
  return pino({ name: 'gateway', level, base: { service: 'gateway' } });
}
