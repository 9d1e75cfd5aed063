/**
 * The Lua scripts of the Redis persisted-query store. Each takes the same five
 * keys, all under the hash tag `{apq}`, so that every script touches a single
 * Cluster slot and runs atomically across replicas:
 *
 * 1. the entry: a string holding the query text, with Redis's own expiry;
 * 2. `lru`: a sorted set of entry keys by use, scored by a sequence number
 *    (a counter, not a clock, so replicas with skewed clocks still agree on
 *    which entry was used last);
 * 3. `expiry`: a sorted set of entry keys by when they expire (Redis's clock, ms),
 *    so entries Redis has already expired can be taken off the books;
 * 4. `sizes`: a hash of entry key to the bytes it was charged;
 * 5. `meta`: a hash with `bytes` (the total charged) and `seq` (the use counter).
 *
 * Entries are recorded by their full key (prefix included, as the script
 * receives KEYS[1]), so eviction can delete them without knowing the prefix.
 * Those are keys the script was not given; Redis Cluster allows it because
 * they share the hash tag, hence the slot and the node.
 *
 * A Redis out of memory (maxmemory, noeviction) refuses a script's write only
 * while the script has written nothing yet; after its first write, the rest
 * runs. So each script's first write is chosen: the write script starts with
 * one Redis refuses when full (nothing changes, the books stay exact), the
 * read script marks use with pcall (a full Redis still serves reads), and the
 * delete script starts with DEL, which a full Redis allows.
 */

/**
 * Where persisted queries live: entries at `persisted-query:{apq}:entry:<Apollo's key>`,
 * the books beside them. The hash tag puts every key of the store in one
 * Cluster slot, so on one node; the bound keeps that node's share small.
 */
export const NAMESPACE = 'persisted-query:{apq}:';

/** The five keys every script takes, in order, for Apollo's key `key`. */
export function scriptKeys(key: string): [entry: string, lru: string, expiry: string, sizes: string, meta: string] {
  return [`${NAMESPACE}entry:${key}`, `${NAMESPACE}lru`, `${NAMESPACE}expiry`, `${NAMESPACE}sizes`, `${NAMESPACE}meta`];
}

/** Expired entries dropped by one write at most, so a script never blocks Redis for long. */
const REAP_LIMIT = 100;

// Takes one entry off the books and out of Redis.
const DROP = `
local function drop(member)
  local held = tonumber(redis.call('HGET', KEYS[4], member) or '0')
  redis.call('DEL', member)
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
  redis.call('HDEL', KEYS[4], member)
  if held > 0 then redis.call('HINCRBY', KEYS[5], 'bytes', -held) end
end
`;

/**
 * ARGV: text, bytes charged, TTL in ms (0: none), the bound in bytes. Returns
 * `{ evicted, bytes held after the write, expired entries dropped }`. The
 * caller never sends an entry larger than the bound, so eviction ends.
 */
export const SET_SCRIPT = `${DROP}
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local size, ttl, maxBytes = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
-- The first write: refused by a Redis out of memory, before anything changed.
local seq = redis.call('HINCRBY', KEYS[5], 'seq', 1)

local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, ${REAP_LIMIT})
for _, member in ipairs(expired) do drop(member) end
if redis.call('HEXISTS', KEYS[4], KEYS[1]) == 1 then drop(KEYS[1]) end

local evicted = 0
local bytes = tonumber(redis.call('HGET', KEYS[5], 'bytes') or '0')
while bytes + size > maxBytes do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not oldest then
    -- Nothing left on the books, yet the total says otherwise (books lost to
    -- an allkeys eviction policy or a FLUSH): start counting again.
    redis.call('HSET', KEYS[5], 'bytes', 0)
    bytes = 0
  else
    drop(oldest)
    evicted = evicted + 1
    bytes = tonumber(redis.call('HGET', KEYS[5], 'bytes') or '0')
  end
end

bytes = redis.call('HINCRBY', KEYS[5], 'bytes', size)
redis.call('HSET', KEYS[4], KEYS[1], size)
redis.call('ZADD', KEYS[2], seq, KEYS[1])
if ttl > 0 then
  redis.call('ZADD', KEYS[3], now + ttl, KEYS[1])
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return { evicted, bytes, #expired }`;

/**
 * Reads an entry and marks it used. The mark is a write that a Redis out of
 * memory refuses; pcall keeps that from failing the read.
 */
export const GET_SCRIPT = `
local text = redis.call('GET', KEYS[1])
if text then
  local seq = redis.pcall('HINCRBY', KEYS[5], 'seq', 1)
  if type(seq) == 'number' then redis.pcall('ZADD', KEYS[2], 'XX', seq, KEYS[1]) end
end
return text`;

/** Deletes an entry; returns 1 if there was one. */
export const DELETE_SCRIPT = `${DROP}
local existed = redis.call('EXISTS', KEYS[1])
drop(KEYS[1])
return existed`;
