import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { ProcessLoadSampler, type LoadSample } from '../../src/overload/index.js';

/** Keeps the event loop busy for `ms`: a known block, not a guess at how long something takes. */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('ProcessLoadSampler', () => {
  it('a loop blocked for ten windows reads as lagging by far more than the shedding threshold a window', async () => {
    let next: ((sample: LoadSample) => void) | undefined;
    const sampler = new ProcessLoadSampler({
      windowMs: 100,
      onSample: (sample) => {
        next?.(sample);
        next = undefined;
      },
    });
    const nextSample = () => new Promise<LoadSample>((resolve) => (next = resolve));
    // The sampler's timer never keeps a process alive; while the test waits for it, this does.
    const keepAlive = setInterval(() => {}, 1_000);
    try {
      // Start the block right as a window opens, so that it fills the window.
      await nextSample();
      // Ten windows long, so that however the block and the windows fall, the window after it
      // holds one or two ticks, one of them delayed by the whole block: a reading of hundreds of ms.
      blockLoop(1_000);
      const blocked = await nextSample();
      assert.ok(blocked.eventLoopDelayMs >= 200, `read ${blocked.eventLoopDelayMs} ms`);
      assert.equal(sampler.current(), blocked);
      assert.ok(blocked.heapUsedPercent > 0 && blocked.heapUsedPercent < 100, `read ${blocked.heapUsedPercent} %`);
    } finally {
      clearInterval(keepAlive);
      sampler.stop();
    }
  });
});

describe('overload settings', () => {
  it('a headers timeout longer than the request timeout is refused at start, as Node would refuse it', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }),
      (error: unknown) => error instanceof ConfigError && /HTTP_HEADERS_TIMEOUT_MS \(5000\).*HTTP_REQUEST_TIMEOUT_MS \(1000\)/.test(error.message),
    );
  });

  it('a short request timeout alone shortens the default headers timeout with it', () => {
    const { overload } = loadConfig({ NODE_ENV: 'test', HTTP_REQUEST_TIMEOUT_MS: '4000' });
    assert.equal(overload.headersTimeoutMs, 4000);
    assert.equal(overload.requestTimeoutMs, 4000);
  });
});
