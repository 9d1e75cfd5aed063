import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { createUnaryClient } from '../../platform/unary-client.js';
import { DEFAULT_SEED } from '../../services/common/seed/config.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { MemoryUsersRepository } from '../../services/users/memory-repository.js';
import { createUsersService } from '../../services/users/service.js';

/** A TCP relay in front of `target` that counts the connections clients open through it. */
async function countingRelay(target: string): Promise<{ address: string; connections: () => number; close: () => Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let connections = 0;
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    connections += 1;
    const upstream = createConnection({ host, port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = relay.address() as { port: number };
  return {
    address: `127.0.0.1:${relayPort}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

describe('a service client over several channels', () => {
  let server: RunningServer;

  before(async () => {
    const repository = new MemoryUsersRepository(seedUsers({ ...DEFAULT_SEED, users: 5, demoAccounts: 1 }));
    server = await startServer({ name: 'users', address: '127.0.0.1:0', services: [createUsersService({ repository })] });
  });

  after(async () => {
    await server.shutdown();
  });

  for (const channels of [1, 3]) {
    it(`with ${channels} channel(s), calls are spread over ${channels} connection(s) and all answered`, async () => {
      const relay = await countingRelay(server.address);
      const client = createUnaryClient(UsersServiceService, relay.address, { channels });
      try {
        const answers = await Promise.all(Array.from({ length: 12 }, () => client.api.batchGetUsers({ ids: ['usr_1'] })));
        assert.deepEqual(
          answers.map((answer) => answer.users[0]?.id),
          Array.from({ length: 12 }, () => 'usr_1'),
        );
        assert.equal(relay.connections(), channels);
      } finally {
        client.close();
        await relay.close();
      }
    });
  }
});
