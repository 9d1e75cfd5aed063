import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config/index.js';
import type { Logger } from '../telemetry/logger.js';

/** A connection to Redis: one server (possibly found through Sentinel) or a cluster. */
export type RedisConnection = Redis | Cluster;

/** The longest pause between reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Connects to Redis for state every replica shares. The connection is built to
 * fail fast rather than wait: commands sent while disconnected fail at once (no
 * offline queue), a command that takes longer than `commandTimeoutMs` fails, and
 * callers then carry on without Redis. It reconnects by itself, forever, with a
 * capped backoff, so the gateway recovers when Redis returns.
 */
export function connectRedis(settings: RedisSettings, logger: Logger): RedisConnection {
  const fromUrl = settings.url ? urlOptions(settings.url) : {};
  const common: RedisOptions = {
    ...fromUrl,
    keyPrefix: settings.keyPrefix,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    // A request must never wait for Redis to come back: without the offline
    // queue, a command sent while disconnected is rejected immediately.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), MAX_RECONNECT_DELAY_MS),
  };

  let connection: RedisConnection;
  if (settings.mode === 'cluster') {
    connection = new Cluster(settings.clusterNodes, {
      redisOptions: common,
      keyPrefix: settings.keyPrefix,
      enableOfflineQueue: false,
      clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), MAX_RECONNECT_DELAY_MS),
    });
  } else if (settings.mode === 'sentinel') {
    connection = new Redis({
      ...common,
      sentinels: settings.sentinels,
      name: settings.sentinelMaster,
      // Sentinel itself takes the same password unless told otherwise.
      sentinelPassword: common.password,
      sentinelTLS: common.tls,
      enableTLSForSentinelMode: common.tls !== undefined,
    });
  } else {
    connection = new Redis(common);
  }

  // Log changes of state once, not every failed reconnection attempt.
  let up: boolean | undefined;
  connection.on('ready', () => {
    if (up !== true) logger.info({ redis: describe(settings) }, 'redis connected');
    up = true;
  });
  connection.on('error', (error: Error) => {
    if (up !== false) logger.warn({ redis: describe(settings), err: error.message }, 'redis unreachable; serving without it until it returns');
    up = false;
  });
  connection.on('end', () => {
    up = undefined;
  });
  return connection;
}

/**
 * Waits until the connection is ready, fails, or `timeoutMs` has passed: a
 * gateway starts serving either way, without Redis until it comes.
 */
export async function untilReady(connection: RedisConnection, timeoutMs: number): Promise<boolean> {
  if (connection.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('error', onError);
      resolve(ready);
    };
    const onReady = () => done(true);
    // A refused connection will not be ready soon: start now, reconnect in the background.
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    connection.on('ready', onReady);
    connection.on('error', onError);
  });
}

/** Closes the connection, waiting for replies in flight only as long as a command may take. */
export async function closeRedis(connection: RedisConnection): Promise<void> {
  if (connection.status === 'ready') {
    await connection.quit().catch(() => connection.disconnect());
  } else {
    connection.disconnect();
  }
}

/** Options that a `redis://` or `rediss://` URL carries: host, port, credentials, database, TLS. */
function urlOptions(raw: string): RedisOptions {
  const url = new URL(raw);
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
  };
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  const db = url.pathname.replace(/^\//, '');
  if (db) options.db = Number(db);
  if (url.protocol === 'rediss:') options.tls = { servername: options.host };
  return options;
}

/** Where Redis is, without credentials, for logs. */
export function describe(settings: RedisSettings): string {
  if (settings.mode === 'sentinel') return `sentinel ${settings.sentinelMaster} via ${settings.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  if (settings.mode === 'cluster') return `cluster ${settings.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (!settings.url) return 'redis';
  const url = new URL(settings.url);
  return `${url.protocol}//${url.host}${url.pathname}`;
}
