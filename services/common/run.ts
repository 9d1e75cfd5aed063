import { serviceAddress, type ServiceName } from '../../platform/addresses.js';
import { serviceIdentityFromEnv } from '../../platform/identity.js';
import { createLogger } from './logger.js';
import { startServiceMetrics } from './metrics.js';
import { seedConfigFromEnv } from './seed/config.js';
import { startServer } from './server.js';
import { shutdownTelemetry } from '../../platform/telemetry.js';
import type { EventServiceEnvironment, ServiceEnvironment, ServiceSetup } from './setup.js';
import { Registry } from 'prom-client';
import { createEventBus, eventBusSettingsFromEnv, EventMetrics, type EventBus } from '../../platform/events/index.js';

/**
 * Runs one reference service as a process: builds it from the environment
 * (refusing, with exit code 1, a setting production must not run with),
 * listens on `LISTEN_ADDR` or the service's own address, logs where, and on
 * SIGTERM or SIGINT lets calls in flight finish (up to `SHUTDOWN_GRACE_MS`,
 * default 10 s) before exiting 0. With `events: true` (a service that publishes
 * or consumes domain events) it opens the event bus first and closes it last;
 * a service without events opens none, so it holds no broker connection.
 */
export async function runService(
  name: ServiceName,
  setup: (environment: EventServiceEnvironment) => Promise<ServiceSetup> | ServiceSetup,
  options: { events: true },
): Promise<void>;
export async function runService(name: ServiceName, setup: (environment: ServiceEnvironment) => Promise<ServiceSetup> | ServiceSetup): Promise<void>;
export async function runService(
  name: ServiceName,
  setup: (environment: EventServiceEnvironment) => Promise<ServiceSetup> | ServiceSetup,
  options: { events?: boolean } = {},
): Promise<void> {
  const logger = createLogger(name);
  let built: ServiceSetup;
  let serviceSecret: string;
  const registry = new Registry();
  let events: EventBus | undefined;
  try {
    const environment: ServiceEnvironment = { seed: seedConfigFromEnv(process.env), env: process.env, logger, address: (other) => serviceAddress(other), registry };
    if (options.events) {
      events = createEventBus(eventBusSettingsFromEnv(process.env), { name: `pinstack-${name}`, logger, metrics: new EventMetrics(registry) });
    }
    // Without events, the setup's signature (a `ServiceEnvironment`) says it reads no bus.
    built = await setup(events ? { ...environment, events } : (environment as EventServiceEnvironment));
    serviceSecret = serviceIdentityFromEnv(process.env).secret;
  } catch (error) {
    // A refused setting (the development secret or the demo seed in production): say why and stop.
    logger.fatal({ err: error }, `${name} service refusing to start: ${(error as Error).message}`);
    await events?.close();
    process.exit(1);
  }
  const address = process.env.LISTEN_ADDR?.trim() || serviceAddress(name);
  const metrics = await startServiceMetrics(name, logger, process.env, registry);
  const services = metrics ? metrics.observe(built.services) : built.services;
  // Always with the secret: a service run as a process refuses every call that does not carry it.
  const server = await startServer({ name, address, services, logger, serviceSecret });
  logger.info({ address: server.address }, `${name} service listening on ${server.address}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} service shutting down`);
    await server.shutdown(Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000));
    // The service stops its consumers and publishes what its outbox still holds, then the bus closes.
    await built.close?.();
    await events?.close();
    await metrics?.close();
    await shutdownTelemetry();
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}
