import type { Registry } from 'prom-client';
import type { ServiceName } from '../../platform/addresses.js';
import type { EventBus } from '../../platform/events/index.js';
import type { Logger } from './logger.js';
import type { SeedConfig } from './seed/config.js';
import type { ServiceBinding } from './server.js';

/**
 * What a service needs to build itself: its demo data settings, its
 * environment, a logger, and where the services it calls are. The process entry
 * points (`main.ts`) and the end-to-end tests build services the same way.
 */
export interface ServiceEnvironment {
  seed: SeedConfig;
  /** Its settings. Clients of other services are made from them with `createServiceClient`, which sends `SERVICE_SECRET`. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The address of another service. */
  address(name: ServiceName): string;
  /** Where the service registers metrics of its own (served on `METRICS_ADDR` when set). */
  registry: Registry;
}

/** What a service that publishes or consumes domain events needs: a bus besides. */
export interface EventServiceEnvironment extends ServiceEnvironment {
  /**
   * The domain event bus: JetStream at `NATS_URL`, else the launcher's or one
   * in process. Owned by whoever built the environment (it is closed after the service).
   */
  events: EventBus;
}

/** A built service, ready to be served. */
export interface ServiceSetup {
  services: ServiceBinding[];
  /** Releases what the service opened (clients of other services, timers). */
  close?: () => Promise<void> | void;
}
