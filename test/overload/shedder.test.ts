import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OverloadReason } from '../../src/errors.js';
import { LoadShedder, type Admission, type LoadSample, type ShedderLimits } from '../../src/overload/index.js';

const LIMITS: ShedderLimits = { maxInFlight: 2, maxInFlightPerClient: 1, maxEventLoopDelayMs: 200, maxHeapUsedPercent: 90 };
const IDLE: LoadSample = { eventLoopDelayMs: 0, heapUsedPercent: 10 };

function shedder(limits: Partial<ShedderLimits> = {}, sample: () => LoadSample = () => IDLE) {
  const shed: OverloadReason[] = [];
  return { shedder: new LoadShedder({ ...LIMITS, ...limits }, sample, (reason) => shed.push(reason)), shed };
}

function admitted(result: Admission | OverloadReason): Admission {
  assert.equal(typeof result, 'object', `shed for ${String(result)}`);
  return result as Admission;
}

describe('LoadShedder', () => {
  it('an admission released twice (on finish, then on close) frees one place only', () => {
    const { shedder: s } = shedder();
    const first = admitted(s.admit());
    admitted(s.admit());
    first.release();
    first.release();
    assert.equal(s.inFlight, 1);
  });

  it('a client over its share is refused, counted once, and its place is given back', () => {
    const { shedder: s, shed } = shedder();
    assert.equal(admitted(s.admit()).claim('user:a'), true);
    const second = admitted(s.admit());
    assert.equal(second.claim('user:a'), false);
    assert.equal(second.released, true);
    assert.equal(s.inFlight, 1);
    assert.equal(s.inFlightOf('user:a'), 1);
    assert.deepEqual(shed, ['client-in-flight']);
    // Another client still gets the place.
    assert.equal(admitted(s.admit()).claim('user:b'), true);
  });

  it('a released client share lets the same client in again', () => {
    const { shedder: s } = shedder();
    const first = admitted(s.admit());
    first.claim('ip:10.0.0.1');
    first.release();
    assert.equal(s.inFlightOf('ip:10.0.0.1'), 0);
    assert.equal(admitted(s.admit()).claim('ip:10.0.0.1'), true);
  });

  it('claiming after the client left counts nothing against it', () => {
    const { shedder: s, shed } = shedder();
    const gone = admitted(s.admit());
    gone.release();
    assert.equal(gone.claim('user:a'), false);
    assert.equal(s.inFlightOf('user:a'), 0);
    assert.deepEqual(shed, []);
  });

  it('the replica-wide checks come before the in-flight limit, in the order event loop, heap', () => {
    let load: LoadSample = { eventLoopDelayMs: 201, heapUsedPercent: 91 };
    const { shedder: s, shed } = shedder({}, () => load);
    assert.equal(s.admit(), 'event-loop');
    load = { eventLoopDelayMs: 200, heapUsedPercent: 91 };
    assert.equal(s.admit(), 'heap');
    assert.equal(s.overload(), 'heap');
    load = IDLE;
    assert.equal(s.overload(), null);
    // Four times the limit of two may wait for their client to be read.
    for (let i = 0; i < 8; i += 1) admitted(s.admit());
    assert.equal(s.admit(), 'in-flight');
    assert.deepEqual(shed, ['event-loop', 'heap', 'in-flight']);
  });

  it('past maxInFlight only a client below its fair share is admitted, into a reserve of an eighth of the limit', () => {
    const { shedder: s, shed } = shedder({ maxInFlight: 16, maxInFlightPerClient: 16 });
    for (let i = 0; i < 16; i += 1) assert.equal(admitted(s.admit()).claim('user:heavy'), true);
    // The heavy client, within its own share, still gets no place past the limit.
    const more = admitted(s.admit());
    assert.equal(more.claim('user:heavy'), false);
    assert.equal(more.refusedFor, 'in-flight');
    // Two newcomers fit in the reserve of two; a third does not.
    assert.equal(admitted(s.admit()).claim('user:a'), true);
    assert.equal(admitted(s.admit()).claim('user:b'), true);
    assert.equal(s.admit(), 'in-flight');
    assert.equal(s.inFlight, 18);
    assert.deepEqual(shed, ['in-flight', 'in-flight']);
  });

  it('a client held back is refused at the door until its time is up, and others are not', () => {
    let now = 1_000;
    const shed: OverloadReason[] = [];
    const s = new LoadShedder({ ...LIMITS, maxInFlightPerClient: 10 }, () => IDLE, (reason) => shed.push(reason), () => now);
    s.holdBack('user:heavy', 1_000);
    const refused = admitted(s.admit());
    assert.equal(refused.claim('user:heavy'), false);
    assert.equal(refused.refusedFor, 'cost-in-flight');
    assert.equal(admitted(s.admit()).claim('user:light'), true);
    now += 1_000;
    assert.equal(admitted(s.admit()).claim('user:heavy'), true);
    assert.deepEqual(shed, ['cost-in-flight']);
  });

  it('limits of 0 are off, and with both load limits off the load is never read', () => {
    const { shedder: s } = shedder({ maxInFlight: 0, maxInFlightPerClient: 0, maxEventLoopDelayMs: 0, maxHeapUsedPercent: 0 }, () => {
      throw new Error('the load was read');
    });
    for (let i = 0; i < 1_000; i += 1) assert.equal(admitted(s.admit()).claim('user:a'), true);
    assert.equal(s.inFlight, 1_000);
    assert.equal(s.overload(), null);
  });
});
