import { MemoryOutbox } from '../common/events/outbox.js';
import { OutboxRelay } from '../common/events/relay.js';
import type { EventServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { MemoryRelationsRepository } from './memory-repository.js';
import { seedFollows } from './seed.js';
import { createRelationsService } from './service.js';

/**
 * The relations service, seeded in memory. Follows and unfollows publish
 * `user.followed` and `user.unfollowed` through its outbox.
 */
export function setupRelationsService({ seed, logger, events, registry }: EventServiceEnvironment): ServiceSetup {
  const follows = seedFollows(seed);
  const outbox = new MemoryOutbox();
  const repository = new MemoryRelationsRepository(follows, { outbox });
  const relay = new OutboxRelay(outbox, events, { logger, registry });
  relay.start();
  logger.info({ follows: follows.length }, 'seeded follows');
  return {
    services: [createRelationsService({ repository, logger })],
    close: () => relay.stop(),
  };
}
