import { NotificationsServiceService } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { createServiceClient } from '../common/client.js';
import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { MemoryRelationsRepository } from './memory-repository.js';
import { createFollowNotifier } from './notifier.js';
import { seedFollows } from './seed.js';
import { createRelationsService } from './service.js';

/** The relations service, seeded in memory, telling the notifications service about new follows. */
export function setupRelationsService({ seed, env, logger, address }: ServiceEnvironment): ServiceSetup {
  const follows = seedFollows(seed);
  const repository = new MemoryRelationsRepository(follows);
  const notifications = createServiceClient(NotificationsServiceService, address('notifications'), env);
  logger.info({ follows: follows.length, notifications: notifications.address }, 'seeded follows');
  return {
    services: [createRelationsService({ repository, notifier: createFollowNotifier(notifications.api), logger })],
    close: () => notifications.close(),
  };
}
