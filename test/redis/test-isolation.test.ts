import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_TEST_REDIS_URL, redisClient, SHARED_REDIS_URL, testRedisUrl } from '../support/redis.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'needs-redis.ts');

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs the fixture suite under node:test with `env`, as `npm test` runs a file. */
async function runFixture(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  // Without the runner's NODE_TEST_CONTEXT, which would make the child think it runs inside this test.
  const { NODE_TEST_CONTEXT: _context, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', FIXTURE], {
    env: { ...inherited, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** A count from node:test's summary (`ℹ skipped 3`). */
function summary(output: string, what: string): number | undefined {
  const match = new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(output);
  return match ? Number(match[1]) : undefined;
}

describe('tests that need Redis', () => {
  it('write to database 15 of the local Redis unless TEST_REDIS_URL names another, never to database 0 by default', () => {
    assert.equal(DEFAULT_TEST_REDIS_URL, 'redis://127.0.0.1:6379/15');
    assert.equal(testRedisUrl({}), DEFAULT_TEST_REDIS_URL);
    assert.equal(testRedisUrl({ TEST_REDIS_URL: 'redis://cache.test:6380/3' }), 'redis://cache.test:6380/3');
    assert.equal(SHARED_REDIS_URL, testRedisUrl());
    const client = redisClient(SHARED_REDIS_URL);
    try {
      assert.equal(client.options.db, Number(new URL(SHARED_REDIS_URL).pathname.slice(1) || 0));
      if (!process.env.TEST_REDIS_URL) assert.equal(client.options.db, 15);
    } finally {
      client.disconnect();
    }
  });

  it('without Redis, are each counted as skipped with the reason, and none of their hooks runs', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}/15`;
    const { code, output } = await runFixture({ TEST_REDIS_URL: url, CI: '' });
    assert.equal(code, 0, output);
    assert.equal(summary(output, 'tests'), 3, output);
    assert.equal(summary(output, 'skipped'), 3, output);
    assert.equal(summary(output, 'fail'), 0, output);
    assert.ok(output.includes(`# no Redis at ${url}`), output);
    assert.doesNotMatch(output, /hook ran/);
  });

  it('without Redis under CI, fail instead of being skipped', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}/15`;
    const { code, output } = await runFixture({ TEST_REDIS_URL: url, CI: 'true' });
    assert.notEqual(code, 0, output);
    assert.equal(summary(output, 'skipped'), 0, output);
    assert.match(output, /these tests need Redis at/);
  });
});
