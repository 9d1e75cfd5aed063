import { MemoryOutbox } from '../common/events/outbox.js';
import { OutboxRelay } from '../common/events/relay.js';
import { idempotencyKeyTtlMs } from '../common/idempotency.js';
import type { EventServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { MemoryPostRepository } from './memory-repository.js';
import { seedPosts } from '../common/seed/posts.js';
import { createPostsService } from './service.js';

/**
 * The posts service, seeded in memory. Creating and deleting posts, liking
 * and unliking publish `post.*` events through its outbox.
 */
export function setupPostsService({ seed, env, logger, events, registry }: EventServiceEnvironment): ServiceSetup {
  const data = seedPosts(seed);
  const outbox = new MemoryOutbox();
  const repository = new MemoryPostRepository(data, { idempotencyKeyTtlMs: idempotencyKeyTtlMs(env), outbox });
  const relay = new OutboxRelay(outbox, events, { logger, registry });
  relay.start();
  logger.info({ posts: data.posts.length, likes: data.likes.length }, 'seeded posts');
  return {
    services: [createPostsService({ repository })],
    close: () => relay.stop(),
  };
}
