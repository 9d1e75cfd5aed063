import { MemoryOutbox } from '../common/events/outbox.js';
import { OutboxRelay } from '../common/events/relay.js';
import type { EventServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { MemoryUsersRepository } from './memory-repository.js';
import { seedUsers } from '../common/seed/users.js';
import { createUsersService } from './service.js';

/** The users service, seeded in memory. Profile updates publish `profile.updated` through its outbox. */
export function setupUsersService({ seed, logger, events, registry }: EventServiceEnvironment): ServiceSetup {
  const outbox = new MemoryOutbox();
  const repository = new MemoryUsersRepository(seedUsers(seed), { outbox });
  const relay = new OutboxRelay(outbox, events, { logger, registry });
  relay.start();
  logger.info({ users: seed.users }, 'seeded users');
  return { services: [createUsersService({ repository })], close: () => relay.stop() };
}
