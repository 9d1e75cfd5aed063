import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostInFlight } from '../../src/overload/index.js';

describe('CostInFlight', () => {
  it('holds each operation’s cost while it runs and gives it back once, however often it is told', () => {
    const costs = new CostInFlight(100);
    const giveBack = costs.take('user:a', 40);
    assert.ok(giveBack);
    assert.equal(costs.total, 40);
    giveBack();
    giveBack();
    assert.equal(costs.total, 0);
  });

  it('past the limit sheds a client over its fair share that already has an operation running, and counts it', () => {
    let shed = 0;
    const costs = new CostInFlight(100, () => (shed += 1));
    assert.ok(costs.take('user:heavy', 60));
    assert.equal(costs.take('user:heavy', 60), null);
    assert.equal(shed, 1);
    assert.equal(costs.total, 60);
  });

  it('past the limit still runs a light client within its fair share, and any client with nothing running', () => {
    const costs = new CostInFlight(100);
    assert.ok(costs.take('user:heavy', 99));
    assert.ok(costs.take('user:light', 2));
    // Past the limit, with two clients running: a share of 50 each. The light client's second operation fits in it...
    assert.ok(costs.take('user:light', 2));
    // ...the heavy client's does not, and a newcomer runs whatever it costs.
    assert.equal(costs.take('user:heavy', 5), null);
    assert.ok(costs.take('user:new', 500));
    assert.equal(costs.total, 603);
  });

  it('with a limit of 0 counts the cost and sheds nothing', () => {
    const costs = new CostInFlight(0);
    for (let i = 0; i < 100; i += 1) assert.ok(costs.take('user:a', 1_000));
    assert.equal(costs.total, 100_000);
  });
});
