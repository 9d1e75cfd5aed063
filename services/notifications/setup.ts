import type { EventServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { consumeNotificationEvents } from './events.js';
import { LiveFeed } from './live-feed.js';
import { MemoryNotificationRepository } from './memory-repository.js';
import { seedNotifications } from './seed.js';
import { createNotificationsService } from './service.js';

/**
 * The notifications service, seeded in memory with the demo accounts' recent
 * activity, building new notifications from the follow and like events.
 */
export async function setupNotificationsService({ seed, logger, events, env }: EventServiceEnvironment): Promise<ServiceSetup> {
  const notifications = seedNotifications(seed);
  const feed = new LiveFeed({ logger });
  // Everything that stores a notification goes through the observed repository, so each one reaches its recipient's streams.
  const repository = feed.observe(new MemoryNotificationRepository(notifications));
  logger.info({ notifications: notifications.length }, 'seeded notifications');
  const consumer = await consumeNotificationEvents(events, {
    repository,
    logger,
    maxDeliver: positiveInteger(env.EVENTS_MAX_DELIVER),
    ackWaitMs: positiveInteger(env.EVENTS_ACK_WAIT_MS),
  });
  return { services: [createNotificationsService({ repository, feed })], close: () => consumer.stop() };
}

/** A positive integer setting, or undefined (the bus's default) when unset; throws for anything else. */
function positiveInteger(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new Error(`expected a positive integer, got ${JSON.stringify(value)}`);
  return number;
}
