import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { SharedStateMetrics } from '../../src/cache/metrics.js';
import { entryBytes, MemoryPersistedQueryStore } from '../../src/persisted-queries/store.js';
import { sha256 } from '../../src/persisted-queries/trusted-documents.js';

/** A distinct query padded with a comment to `chars` characters, under Apollo's key for it. */
function registration(n: number, chars: number): { key: string; query: string } {
  const head = `query Q${n} { user(id: "usr_1") { id } }\n# `;
  const query = head + 'x'.repeat(chars - head.length);
  return { key: `apq:${sha256(query)}`, query };
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function valueOf(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0;
}

describe('the in-memory persisted-query store', () => {
  it('never holds more than its bound in bytes, however much is registered, and reports what it holds', async () => {
    const metrics = new SharedStateMetrics(new Registry());
    const maxBytes = 50_000;
    const store = new MemoryPersistedQueryStore(metrics, Date.now, maxBytes);
    let registered = 0;
    for (let n = 0; n < 300; n += 1) {
      // Sizes vary, so eviction must free enough bytes, not merely one entry.
      const { key, query } = registration(n, 500 + ((n * 997) % 9_000));
      await store.set(key, query);
      registered += entryBytes(key, query);
      assert.ok(store.bytes <= maxBytes, `holds ${store.bytes} bytes after ${n + 1} registrations`);
    }
    assert.ok(registered > 20 * maxBytes, 'far more than the bound was registered');
    assert.equal(await valueOf(metrics.persistedQueryBytes), store.bytes);
    assert.ok((await valueOf(metrics.persistedQueryEvictions)) > 0);
  });

  it('evicts the least recently used entry first, and a get counts as a use', async () => {
    const metrics = new SharedStateMetrics(new Registry());
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((n) => registration(n, 1_000));
    // Room for exactly four entries of this size.
    const store = new MemoryPersistedQueryStore(metrics, Date.now, 4 * entryBytes(a!.key, a!.query));
    for (const { key, query } of [a!, b!, c!, d!]) await store.set(key, query);
    assert.equal(await store.get(a!.key), a!.query);
    await store.set(e!.key, e!.query);

    assert.equal(await store.get(b!.key), undefined, 'b, the least recently used, went first');
    for (const kept of [a!, c!, d!, e!]) assert.equal(await store.get(kept.key), kept.query);
    assert.equal(await valueOf(metrics.persistedQueryEvictions), 1);
  });

  it('does not store a query larger than a quarter of the bound, and pushes nothing out for it', async () => {
    const metrics = new SharedStateMetrics(new Registry());
    const small = registration(1, 1_000);
    const large = registration(2, 4_000);
    const store = new MemoryPersistedQueryStore(metrics, Date.now, 4 * entryBytes(small.key, small.query));
    await store.set(small.key, small.query);
    await store.set(large.key, large.query);

    assert.equal(await store.get(large.key), undefined);
    assert.equal(await store.get(small.key), small.query);
    assert.equal(await valueOf(metrics.persistedQueriesTooLarge), 1);
    assert.equal(await valueOf(metrics.persistedQueryEvictions), 0);
  });

  it('an entry expires after its TTL by the injected clock, however recently it was used, and frees its bytes', async () => {
    const clock = manualClock();
    const store = new MemoryPersistedQueryStore(new SharedStateMetrics(new Registry()), clock.now, 50_000);
    const { key, query } = registration(1, 1_000);
    await store.set(key, query, { ttl: 60 });
    clock.advance(59_999);
    assert.equal(await store.get(key), query);
    clock.advance(1);
    assert.equal(await store.get(key), undefined);
    assert.equal(store.bytes, 0);
  });

  it('charges a query the larger of its UTF-8 and its in-memory size', async () => {
    const latin = 'é'.repeat(1_000);
    const cjk = '語'.repeat(1_000);
    // é is one byte in V8 but two in UTF-8; 語 is two in V8 but three in UTF-8.
    assert.equal(entryBytes('k', cjk) - entryBytes('k', latin), 1_000);
  });
});
