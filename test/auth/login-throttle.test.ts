import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIRST_LOGIN_DELAY_MS, FREE_LOGIN_FAILURES, LOGIN_FAILURE_WINDOW_MS, LoginThrottle, MAX_LOGIN_DELAY_MS } from '../../services/auth/login-throttle.js';

function throttle() {
  let now = 0;
  const waits: number[] = [];
  const subject = new LoginThrottle({
    now: () => now,
    wait: async (ms) => {
      waits.push(ms);
    },
  });
  return { subject, waits, advance: (ms: number) => (now += ms) };
}

describe('slowing down repeated failed sign-ins for one account', () => {
  it(`lets ${FREE_LOGIN_FAILURES} failures through at full speed, then doubles the delay up to ${MAX_LOGIN_DELAY_MS} ms`, async () => {
    const { subject, waits } = throttle();
    for (let attempt = 0; attempt < FREE_LOGIN_FAILURES + 8; attempt++) {
      await subject.beforeAttempt('victim@example.com');
      subject.failed('victim@example.com');
    }
    assert.deepEqual(waits, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    assert.equal(waits[0], FIRST_LOGIN_DELAY_MS);
  });

  it('slows only the account under attack', async () => {
    const { subject, waits } = throttle();
    for (let attempt = 0; attempt < FREE_LOGIN_FAILURES; attempt++) subject.failed('victim@example.com');
    await subject.beforeAttempt('someone-else@example.com');
    assert.deepEqual(waits, []);
    assert.equal(subject.delayFor('victim@example.com'), FIRST_LOGIN_DELAY_MS);
  });

  it('a success clears the count, and failures are forgotten after the window', () => {
    const { subject, advance } = throttle();
    for (let attempt = 0; attempt < FREE_LOGIN_FAILURES; attempt++) subject.failed('a@example.com');
    subject.succeeded('a@example.com');
    assert.equal(subject.delayFor('a@example.com'), 0);

    for (let attempt = 0; attempt < FREE_LOGIN_FAILURES; attempt++) subject.failed('b@example.com');
    assert.equal(subject.delayFor('b@example.com'), FIRST_LOGIN_DELAY_MS);
    advance(LOGIN_FAILURE_WINDOW_MS + 1);
    assert.equal(subject.delayFor('b@example.com'), 0);
  });
});
