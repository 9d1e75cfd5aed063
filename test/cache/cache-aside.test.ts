import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CacheAside } from '../../src/cache/cache-aside.js';
import { SharedStateMetrics } from '../../src/cache/metrics.js';
import { MemoryVersionedStore } from '../../src/cache/versioned-store.js';

interface Entry {
  name: string;
  tags: string[];
}

/** A cache over the in-memory store that counts how often it decodes. */
function countingCache(decodedEntries?: number) {
  const counts = { decodes: 0 };
  const cache = new CacheAside<Entry>({
    name: 'profile',
    store: new MemoryVersionedStore(),
    key: (id) => `profile:{${id}}`,
    ttlMs: 30_000,
    encode: (value) => JSON.stringify(value),
    decode: (stored) => {
      counts.decodes += 1;
      return JSON.parse(stored) as Entry;
    },
    ...(decodedEntries === undefined ? {} : { decodedEntries }),
    metrics: new SharedStateMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
  });
  return { cache, counts };
}

describe('cache-aside decoding', () => {
  it('a current entry is decoded once, however many reads hit it', async () => {
    const { cache, counts } = countingCache();
    const fetch = async (): Promise<Entry> => ({ name: 'ada', tags: ['a'] });
    await cache.load('usr_1', fetch);
    const first = await cache.load('usr_1', fetch);
    const second = await cache.load('usr_1', fetch);
    assert.deepEqual(second, { name: 'ada', tags: ['a'] });
    assert.equal(first, second, 'the same decoded value is shared');
    assert.equal(counts.decodes, 1);
  });

  it('after an invalidation the new entry is read and decoded, never the old value', async () => {
    const { cache, counts } = countingCache();
    let name = 'ada';
    const fetch = async (): Promise<Entry> => ({ name, tags: [] });
    await cache.load('usr_1', fetch);
    assert.equal((await cache.load('usr_1', fetch)).name, 'ada');
    name = 'grace';
    await cache.invalidate(['usr_1']);
    assert.equal((await cache.load('usr_1', fetch)).name, 'grace', 'the fill after the invalidation');
    assert.equal((await cache.load('usr_1', fetch)).name, 'grace', 'the hit after it');
    assert.equal(counts.decodes, 2);
  });

  it('a shared decoded value cannot be changed by one of the requests holding it', async () => {
    const { cache } = countingCache();
    const fetch = async (): Promise<Entry> => ({ name: 'ada', tags: ['a'] });
    await cache.load('usr_1', fetch);
    const hit = await cache.load('usr_1', fetch);
    assert.throws(() => {
      (hit as { name: string }).name = 'mallory';
    }, TypeError);
    assert.throws(() => hit.tags.push('b'), TypeError);
    assert.deepEqual(await cache.load('usr_1', fetch), { name: 'ada', tags: ['a'] });
  });

  it('with no decoded entries kept, every hit decodes its text', async () => {
    const { cache, counts } = countingCache(0);
    const fetch = async (): Promise<Entry> => ({ name: 'ada', tags: [] });
    await cache.load('usr_1', fetch);
    await cache.load('usr_1', fetch);
    await cache.load('usr_1', fetch);
    assert.equal(counts.decodes, 2);
  });
});
