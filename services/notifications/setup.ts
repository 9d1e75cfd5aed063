import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { MemoryNotificationRepository } from './memory-repository.js';
import { seedNotifications } from './seed.js';
import { createNotificationsService } from './service.js';

/** The notifications service, seeded in memory with the demo accounts' recent activity. */
export function setupNotificationsService({ seed, logger }: ServiceEnvironment): ServiceSetup {
  const notifications = seedNotifications(seed);
  const repository = new MemoryNotificationRepository(notifications);
  logger.info({ notifications: notifications.length }, 'seeded notifications');
  return { services: [createNotificationsService({ repository })] };
}
