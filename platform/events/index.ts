/**
 * Domain events between the services and the gateway: the catalogue and its
 * wire form (`catalogue.ts`), where events live on the broker (`topology.ts`),
 * the bus contract (`bus.ts`) with its JetStream (`jetstream-bus.ts`) and
 * in-process (`in-process-bus.ts`) implementations, how a trace follows an
 * event (`tracing.ts`) and the bus's metrics (`metrics.ts`).
 */
import type { EventBus } from './bus.js';
import type { EventLogger } from './delivery.js';
import { createInProcessBus } from './in-process-bus.js';
import { JetStreamBus } from './jetstream-bus.js';
import type { EventMetrics } from './metrics.js';
import { DEFAULT_EVENTS_NAMESPACE } from './topology.js';

export * from './bus.js';
export * from './catalogue.js';
export { type EventLogger } from './delivery.js';
export { InProcessBroker, createInProcessBus, type InProcessBrokerOptions } from './in-process-bus.js';
export { DEAD_LETTER_HEADERS, JetStreamBus, type JetStreamBusOptions } from './jetstream-bus.js';
export { EventMetrics } from './metrics.js';
export { DEFAULT_EVENTS_NAMESPACE, eventTopology, type EventTopology } from './topology.js';
export { captureTrace } from './tracing.js';

/** Where a process's events go, read from its environment. */
export interface EventBusSettings {
  /** `NATS_URL`; null (unset) for the in-process bus. */
  natsUrl: string | null;
  /** `EVENTS_NAMESPACE`, default `pinstack`. */
  namespace: string;
}

/** The bus settings in `env`: `NATS_URL` and `EVENTS_NAMESPACE`. */
export function eventBusSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EventBusSettings {
  return { natsUrl: env.NATS_URL?.trim() || null, namespace: env.EVENTS_NAMESPACE?.trim() || DEFAULT_EVENTS_NAMESPACE };
}

/**
 * The bus a process runs with: JetStream at `NATS_URL`, or else the embedded
 * in-process bus, which it announces, since its events never leave the process.
 */
export function createEventBus(settings: EventBusSettings, options: { name: string; logger: EventLogger; metrics?: EventMetrics }): EventBus {
  if (settings.natsUrl) {
    options.logger.info({ natsUrl: redactUrl(settings.natsUrl), namespace: settings.namespace }, `events: NATS JetStream at ${redactUrl(settings.natsUrl)}`);
    return new JetStreamBus({ url: settings.natsUrl, namespace: settings.namespace, name: options.name, logger: options.logger, metrics: options.metrics });
  }
  options.logger.info(
    { namespace: settings.namespace },
    'events: in-process bus (NATS_URL is unset): events reach only consumers in this process; set NATS_URL to share them between processes',
  );
  return createInProcessBus({ namespace: settings.namespace, metrics: options.metrics, logger: options.logger });
}

/** A URL without the user and password it may carry, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
