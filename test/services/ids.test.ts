import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RUN_TIME_ID, idTime, newId } from '../../services/common/ids.js';
import { seededPostId, seededUserId } from '../../services/common/seed/config.js';

/** The bits of a UUIDv7 that are not its timestamp, version or variant: 74, as a string of 0s and 1s. */
function randomBits(id: string): string {
  const hex = id.slice(id.indexOf('_') + 1).replaceAll('-', '');
  const bits = [...hex].map((digit) => Number.parseInt(digit, 16).toString(2).padStart(4, '0')).join('');
  // 48 timestamp bits, 4 version bits, 12 rand_a bits, 2 variant bits, 62 rand_b bits.
  return bits.slice(52, 64) + bits.slice(66);
}

describe('run-time ids', () => {
  const at = Date.parse('2026-11-20T08:30:00.123Z');

  it('are the prefix and a UUIDv7 that tells the creation time', () => {
    const id = newId('usr', at);
    assert.match(id, /^usr_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(id, RUN_TIME_ID);
    assert.equal(idTime(id), at);
  });

  it('never take the form of a seeded id', () => {
    for (const seeded of [seededUserId(1), seededUserId(1_000), seededPostId(20_000)]) {
      assert.doesNotMatch(seeded, RUN_TIME_ID);
      assert.equal(idTime(seeded), undefined);
    }
  });

  it('made in one millisecond share no counter: 73 of their bits each take both values over 256 ids', () => {
    const ids = Array.from({ length: 256 }, () => newId('pst', at));
    assert.equal(new Set(ids).size, ids.length);
    const bits = ids.map(randomBits);
    const varying = [...bits[0]!].filter((_, position) => new Set(bits.map((value) => value[position])).size === 2).length;
    // One bit of rand_a is always 0 (uuid's sequence is 31 bits); a random bit
    // stays fixed over 256 draws with probability 2^-255, so this is exact.
    assert.equal(varying, 73);
  });

  it('of different milliseconds sort as strings in the order they were made', () => {
    const times = [at - 86_400_000, at - 1, at, at + 1, at + 3_600_000];
    const ids = times.map((time) => newId('ntf', time));
    assert.deepEqual([...ids].sort(), ids);
  });
});
