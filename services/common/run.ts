import { serviceAddress, type ServiceName } from './addresses.js';
import { createLogger, type Logger } from './logger.js';
import { startServer, type ServiceBinding } from './server.js';

/** What a service's `main` builds before it listens. */
export interface ServiceSetup {
  services: ServiceBinding[];
  /** Releases what the service opened (clients of other services, stores). */
  close?: () => Promise<void> | void;
}

/**
 * Runs one reference service as a process: listens on `LISTEN_ADDR` or the
 * service's own address, logs where, and on SIGTERM or SIGINT lets calls in
 * flight finish (up to `SHUTDOWN_GRACE_MS`, default 10 s) before exiting 0.
 */
export async function runService(name: ServiceName, setup: (logger: Logger) => Promise<ServiceSetup> | ServiceSetup): Promise<void> {
  const logger = createLogger(name);
  const built = await setup(logger);
  const address = process.env.LISTEN_ADDR?.trim() || serviceAddress(name);
  const server = await startServer({ name, address, services: built.services, logger });
  logger.info({ address: server.address }, `${name} service listening on ${server.address}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} service shutting down`);
    await server.shutdown(Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000));
    await built.close?.();
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}
