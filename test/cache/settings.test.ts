import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('shared-state settings', () => {
  it('without REDIS_URL, Sentinel or Cluster settings, the gateway runs on in-memory stand-ins', () => {
    assert.equal(loadConfig({}).redis, null);
  });

  it('REDIS_URL, Sentinel and Cluster settings are read with their defaults', () => {
    const standalone = loadConfig({ REDIS_URL: 'rediss://:secret@cache.internal:6380/2' }).redis;
    assert.deepEqual(
      { mode: standalone?.mode, prefix: standalone?.keyPrefix, timeout: standalone?.commandTimeoutMs },
      { mode: 'standalone', prefix: 'pinstack:', timeout: 250 },
    );
    const sentinel = loadConfig({ REDIS_SENTINELS: 's1:26379, s2', REDIS_SENTINEL_MASTER: 'main' }).redis;
    assert.deepEqual([sentinel?.mode, sentinel?.sentinels, sentinel?.sentinelMaster], [
      'sentinel',
      [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      'main',
    ]);
    assert.equal(loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' }).redis?.mode, 'cluster');
  });

  it('limits read as requests/seconds, and 0 turns one off', () => {
    const { rateLimits } = loadConfig({ RATE_LIMIT_ANONYMOUS: '30/10', RATE_LIMIT_LOGIN: '0', RATE_LIMIT_FAIL: 'closed' });
    assert.deepEqual(rateLimits.anonymous, { points: 30, durationSeconds: 10 });
    assert.equal(rateLimits.login.points, 0);
    assert.equal(rateLimits.failMode, 'closed');
  });

  for (const [name, value] of [
    ['REDIS_URL', 'http://cache:6379'],
    ['REDIS_KEY_PREFIX', 'a{b}:'],
    ['REDIS_COMMAND_TIMEOUT_MS', '0'],
    ['RATE_LIMIT_SIGNED_IN', 'lots'],
    ['RATE_LIMIT_FAIL', 'sometimes'],
    ['PERSISTED_QUERIES', 'trusted'],
  ] as const) {
    it(`a bad ${name} (${value}) is refused with its name`, () => {
      const env = name.startsWith('REDIS_') && name !== 'REDIS_URL' ? { REDIS_URL: 'redis://127.0.0.1:6379', [name]: value } : { [name]: value };
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.message.includes(name));
    });
  }
});
