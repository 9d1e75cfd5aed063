import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { MemoryUsersRepository } from './memory-repository.js';
import { seedUsers } from '../common/seed/users.js';
import { createUsersService } from './service.js';

/** The users service, seeded in memory. */
export function setupUsersService({ seed, logger }: ServiceEnvironment): ServiceSetup {
  const repository = new MemoryUsersRepository(seedUsers(seed));
  logger.info({ users: seed.users }, 'seeded users');
  return { services: [createUsersService({ repository })] };
}
