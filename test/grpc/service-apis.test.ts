import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { identityMetadata } from '../../platform/identity.js';
import { createUnaryClient } from '../../services/common/client.js';
import { DEFAULT_SEED } from '../../services/common/seed/config.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { MemoryUsersRepository } from '../../services/users/memory-repository.js';
import { createUsersService } from '../../services/users/service.js';
import { loadConfig } from '../../src/config/index.js';
import { ServiceUnavailableError, UnauthenticatedError } from '../../src/errors.js';
import { ServiceApiTemplates, type RequestCallSettings } from '../../src/grpc/service-apis.js';
import type { ServiceClients } from '../../src/grpc/service-clients.js';
import { createServicePolicies } from '../../src/resilience/policies.js';

const SECRET = 'service-apis-test-secret';
const BATCH_GET_USERS = '/pinstack.users.v1.UsersService/BatchGetUsers';

/** Requests of one gateway over a real users service: shared clients and policies, settings of their own. */
describe('service APIs of concurrent requests', () => {
  let server: RunningServer;
  let clients: ServiceClients;
  const policies = createServicePolicies(loadConfig({}).resilience);
  const settings = (overrides: Partial<RequestCallSettings>): RequestCallSettings => ({
    budgetEndsAt: Date.now() + 5_000,
    rpcTimeoutMs: 5_000,
    metadata: identityMetadata(SECRET, null),
    ...overrides,
  });

  before(async () => {
    const repository = new MemoryUsersRepository(seedUsers({ ...DEFAULT_SEED, users: 5, demoAccounts: 0 }));
    server = await startServer({ name: 'users', address: '127.0.0.1:0', services: [createUsersService({ repository })], serviceSecret: SECRET });
    // The gateway's clients, as far as this test needs them: the users service's.
    clients = { users: createUnaryClient(UsersServiceService, server.address) } as unknown as ServiceClients;
  });
  after(async () => {
    clients.users.close();
    await server.shutdown(1_000);
  });

  it('share their methods yet each call with its own request’s budget and identity', async () => {
    const templates = new ServiceApiTemplates(clients, policies);
    const signedIn = templates.forRequest(settings({}));
    const spent = templates.forRequest(settings({ budgetEndsAt: Date.now() - 1 }));
    const unproven = templates.forRequest(settings({ metadata: identityMetadata('not-the-secret', null) }));
    // One method for all three requests: nothing is built per method for a request.
    assert.equal(signedIn.users.batchGetUsers, spent.users.batchGetUsers);
    assert.equal(signedIn.users.batchGetUsers, unproven.users.batchGetUsers);

    const [answered, outOfBudget, refused] = await Promise.allSettled([
      signedIn.users.batchGetUsers({ ids: ['usr_1', 'usr_2'] }),
      spent.users.batchGetUsers({ ids: ['usr_1'] }),
      unproven.users.batchGetUsers({ ids: ['usr_1'] }),
    ]);
    assert.equal(answered.status, 'fulfilled');
    assert.deepEqual(answered.value.users.map((user) => user.id).sort(), ['usr_1', 'usr_2']);
    assert.equal(outOfBudget.status, 'rejected');
    assert.ok(outOfBudget.reason instanceof ServiceUnavailableError, String(outOfBudget.reason));
    assert.equal(refused.status, 'rejected');
    assert.ok(refused.reason instanceof UnauthenticatedError, String(refused.reason));
    // The spent request never reached the service; the other two did.
    assert.equal(server.calls.get(BATCH_GET_USERS), 2);
  });
});
