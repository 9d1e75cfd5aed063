/**
 * Domain events between the services and the gateway: the catalogue and its
 * wire form (`catalogue.ts`), where events live on the broker (`topology.ts`),
 * the bus contract (`bus.ts`) with its JetStream (`jetstream-bus.ts`) and
 * in-process (`in-process-bus.ts`) implementations, the in-process bus a
 * local launcher holds for its children (`ipc-hub.ts`, `ipc-bus.ts`), how a
 * trace follows an event (`tracing.ts`) and the bus's metrics (`metrics.ts`).
 */
import type { EventBus } from './bus.js';
import type { EventLogger } from './delivery.js';
import { createInProcessBus } from './in-process-bus.js';
import { IpcEventBus } from './ipc-bus.js';
import { ipcChannel } from './ipc-protocol.js';
import { JetStreamBus } from './jetstream-bus.js';
import type { EventMetrics } from './metrics.js';
import { DEFAULT_EVENTS_NAMESPACE } from './topology.js';

export * from './bus.js';
export * from './catalogue.js';
export { type EventLogger } from './delivery.js';
export { InProcessBroker, createInProcessBus, type InProcessBrokerOptions } from './in-process-bus.js';
export { IpcEventBus, LauncherBusError, type IpcEventBusOptions } from './ipc-bus.js';
export { EventBusHub } from './ipc-hub.js';
export { ipcChannel, type MessageChannel } from './ipc-protocol.js';
export { DEAD_LETTER_HEADERS, JetStreamBus, type JetStreamBusOptions } from './jetstream-bus.js';
export { EventMetrics } from './metrics.js';
export { DEFAULT_EVENTS_NAMESPACE, eventTopology, type EventTopology } from './topology.js';
export { captureTrace } from './tracing.js';

/** Where a process's events go, read from its environment. */
export interface EventBusSettings {
  /** `NATS_URL`; null (unset) for an in-process bus. */
  natsUrl: string | null;
  /**
   * `EVENTS_BUS=launcher`, set by the local launcher (`npm start`) when it
   * holds the in-process bus for its children: without `NATS_URL`, this
   * process reaches that bus over its IPC channel instead of running its own.
   */
  launcher: boolean;
  /** `EVENTS_NAMESPACE`, default `pinstack`. */
  namespace: string;
}

/** A bus setting that cannot work. */
export class EventBusSettingsError extends Error {
  readonly code = 'EVENT_BUS_SETTINGS';
  constructor(message: string) {
    super(message);
    this.name = 'EventBusSettingsError';
  }
}

/** The bus settings in `env`: `NATS_URL`, `EVENTS_BUS` and `EVENTS_NAMESPACE`. */
export function eventBusSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EventBusSettings {
  const bus = env.EVENTS_BUS?.trim() || null;
  if (bus !== null && bus !== 'launcher') throw new EventBusSettingsError(`EVENTS_BUS may only be \`launcher\` (set by npm start), got ${JSON.stringify(bus)}`);
  return { natsUrl: env.NATS_URL?.trim() || null, launcher: bus === 'launcher', namespace: env.EVENTS_NAMESPACE?.trim() || DEFAULT_EVENTS_NAMESPACE };
}

/**
 * The bus a process runs with: JetStream at `NATS_URL`; else the launcher's
 * bus over this process's IPC channel (`EVENTS_BUS=launcher`); else an
 * in-process bus of its own. It announces which, since only JetStream keeps
 * events beyond the processes that run.
 */
export function createEventBus(settings: EventBusSettings, options: { name: string; logger: EventLogger; metrics?: EventMetrics }): EventBus {
  if (settings.natsUrl) {
    options.logger.info({ natsUrl: redactUrl(settings.natsUrl), namespace: settings.namespace }, `events: NATS JetStream at ${redactUrl(settings.natsUrl)}`);
    return new JetStreamBus({ url: settings.natsUrl, namespace: settings.namespace, name: options.name, logger: options.logger, metrics: options.metrics });
  }
  if (settings.launcher) {
    if (!process.channel) throw new EventBusSettingsError('EVENTS_BUS=launcher, but this process has no IPC channel to a launcher: unset EVENTS_BUS, or set NATS_URL');
    options.logger.info(
      { namespace: settings.namespace },
      'events: the launcher’s in-process bus (NATS_URL is unset): shared by the processes of this stack, kept in memory and lost when the launcher stops',
    );
    return new IpcEventBus({ channel: ipcChannel(process), namespace: settings.namespace, metrics: options.metrics, logger: options.logger });
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
