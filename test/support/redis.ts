import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * The Redis database the suite uses when `TEST_REDIS_URL` is unset: database
 * 15 of a Redis on the usual port, not database 0, where a developer's own
 * Redis keeps its data (and `npm start`'s `REDIS_URL` points by default).
 */
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379/15';

/** `TEST_REDIS_URL`, else {@link DEFAULT_TEST_REDIS_URL}: the Redis, and its database, that the tests may write to. */
export function testRedisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_REDIS_URL?.trim() || DEFAULT_TEST_REDIS_URL;
}

/**
 * The Redis the suite shares (`TEST_REDIS_URL`, database 15 of 127.0.0.1:6379
 * by default); besides its own database, every run works under its own key
 * prefix and deletes its keys when done.
 */
export const SHARED_REDIS_URL = testRedisUrl();

/**
 * Why tests that need Redis should be skipped, or false when they must run.
 * Under CI they always run, so a missing Redis fails them instead of hiding them.
 * Suites pass it to `describe` of test/support/skippable.ts, which counts each
 * of their tests as skipped.
 */
export async function redisSkipReason(url = SHARED_REDIS_URL): Promise<string | false> {
  if (process.env.CI) return false;
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return false;
  } catch (error) {
    return `no Redis at ${url} (${(error as Error).message}); start one or set TEST_REDIS_URL, or set CI to make this a failure`;
  } finally {
    client.disconnect();
  }
}

/** Fails when Redis does not answer: a suite that needs it must not pass on the degraded path alone. */
export async function requireRedis(url = SHARED_REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`these tests need Redis at ${url}: ${(error as Error).message}`, { cause: error });
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other run uses. */
export function runPrefix(label: string): string {
  return `pinstack-test:${label}:${randomUUID().slice(0, 8)}:`;
}

/** A plain client under `prefix`, to look at what the gateway stored. */
export function redisClient(url: string, prefix = ''): Redis {
  return new Redis(url, { keyPrefix: prefix, maxRetriesPerRequest: 1 });
}

/** Deletes every key under `prefix` (the client must have no key prefix of its own). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = redisClient(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/**
 * Why tests that start a redis-server of their own ({@link ownRedis}) should be
 * skipped, or false when they must run; under CI they always run.
 */
export function redisServerSkipReason(): string | false {
  if (process.env.CI) return false;
  return spawnSync('redis-server', ['--version']).status === 0 ? false : 'redis-server is not installed; set CI to make this a failure';
}

/** A redis-server of the test's own, on a port of its own, that it can stop, freeze and restart. */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  /** Kills the server outright (SIGKILL): connections drop without a goodbye. */
  kill(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  freeze(): void;
  thaw(): void;
}

/**
 * Picks a free port for a redis-server of the test's own; `start()` runs it.
 * `args` go to redis-server after the port and persistence options (say
 * `['--maxmemory', '8mb', '--maxmemory-policy', 'noeviction']`).
 */
export async function ownRedis(args: readonly string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child!.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) resolve();
        });
        child!.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
        child!.once('error', reject);
      });
    },
    async kill() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
