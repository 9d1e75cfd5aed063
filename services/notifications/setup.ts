import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { LiveFeed } from './live-feed.js';
import { MemoryNotificationRepository } from './memory-repository.js';
import { seedNotifications } from './seed.js';
import { createNotificationsService } from './service.js';

/** The notifications service, seeded in memory with the demo accounts' recent activity. */
export function setupNotificationsService({ seed, logger }: ServiceEnvironment): ServiceSetup {
  const notifications = seedNotifications(seed);
  const feed = new LiveFeed({ logger });
  // Everything that stores a notification goes through the observed repository, so each one reaches its recipient's streams.
  const repository = feed.observe(new MemoryNotificationRepository(notifications));
  logger.info({ notifications: notifications.length }, 'seeded notifications');
  return { services: [createNotificationsService({ repository, feed })] };
}
