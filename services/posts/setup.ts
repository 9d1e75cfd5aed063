import { NotificationsServiceService } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { createServiceClient } from '../common/client.js';
import { idempotencyKeyTtlMs } from '../common/idempotency.js';
import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { notificationsLikeNotifier } from './like-notifier.js';
import { MemoryPostRepository } from './memory-repository.js';
import { seedPosts } from '../common/seed/posts.js';
import { createPostsService } from './service.js';

/** The posts service, seeded in memory, telling the notifications service about likes. */
export function setupPostsService({ seed, env, logger, address }: ServiceEnvironment): ServiceSetup {
  const data = seedPosts(seed);
  const repository = new MemoryPostRepository(data, { idempotencyKeyTtlMs: idempotencyKeyTtlMs(env) });
  logger.info({ posts: data.posts.length, likes: data.likes.length }, 'seeded posts');
  const notifications = createServiceClient(NotificationsServiceService, address('notifications'), env);
  const notifier = notificationsLikeNotifier(notifications.api, { logger });
  return {
    services: [createPostsService({ repository, notifier })],
    close: () => notifications.close(),
  };
}
