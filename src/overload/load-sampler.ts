import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** How loaded this process is, as the load shedder and `/readyz` see it. */
export interface LoadSample {
  /** Mean event loop delay over the last sampling window, in milliseconds. */
  eventLoopDelayMs: number;
  /** Heap in use, as a percentage (0–100) of V8's heap limit (`--max-old-space-size` and the young generation). */
  heapUsedPercent: number;
}

/** Reads the current load; the load shedder asks it on every request, so it must be cheap. */
export type SampleLoad = () => LoadSample;

export interface ProcessLoadSamplerOptions {
  /** How often a new sample is taken; each covers the window since the last one. */
  windowMs?: number;
  /** How often the event loop delay histogram ticks (`monitorEventLoopDelay`'s resolution). */
  resolutionMs?: number;
  /** Called with each new sample. */
  onSample?: (sample: LoadSample) => void;
}

/** Default window: short enough to react within a second, long enough that one slow tick is averaged out. */
export const DEFAULT_WINDOW_MS = 500;
const DEFAULT_RESOLUTION_MS = 10;
/** Histogram ticks after which it is reset (a day or so at 10 ms); see `sample`. */
const RESET_AFTER_COUNT = 10_000_000;

/**
 * Samples this process's load every `windowMs`: the mean event loop delay over
 * the window (from `perf_hooks.monitorEventLoopDelay`, as @fastify/under-pressure
 * does) and the heap in use against V8's limit. `current` returns the last
 * sample without measuring anything, so the shedder pays nothing per request.
 *
 * A sustained lag shows; a single long task is averaged over the window
 * (300 ms of blocking in a 500 ms window reads as about 15 ms), unless it
 * blocks the whole window, which then reads as at least the time it blocked.
 */
export class ProcessLoadSampler {
  readonly #histogram: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  readonly #windowMs: number;
  readonly #resolutionMs: number;
  readonly #onSample: ((sample: LoadSample) => void) | undefined;
  #count = 0;
  #totalNs = 0;
  #sampledAt = performance.now();
  #last: LoadSample;

  constructor({ windowMs = DEFAULT_WINDOW_MS, resolutionMs = DEFAULT_RESOLUTION_MS, onSample }: ProcessLoadSamplerOptions = {}) {
    this.#windowMs = windowMs;
    this.#resolutionMs = resolutionMs;
    this.#onSample = onSample;
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#histogram.enable();
    this.#last = { eventLoopDelayMs: 0, heapUsedPercent: heapUsedPercent() };
    this.#timer = setInterval(() => this.#sample(), windowMs);
    // Sampling alone must never keep a process alive.
    this.#timer.unref();
  }

  /** The last sample taken. */
  readonly current: SampleLoad = () => this.#last;

  /** Stops sampling; `current` keeps returning the last sample. */
  stop(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }

  #sample(): void {
    const now = performance.now();
    const elapsedMs = now - this.#sampledAt;
    this.#sampledAt = now;
    // The window's mean comes from the difference of running totals, not from
    // resetting the histogram each window: after a reset, Node drops the next
    // tick's delay (it has no previous tick to measure from), which is exactly
    // the long one when the loop was blocked right then.
    const count = this.#histogram.count;
    const totalNs = count === 0 ? 0 : this.#histogram.mean * count;
    const ticks = count - this.#count;
    // Each tick measures the time since the last one, the resolution included.
    const delayMs =
      ticks > 0
        ? (totalNs - this.#totalNs) / ticks / 1e6 - this.#resolutionMs
        : // No tick at all: the loop was blocked for the whole window, and this timer fired that late.
          elapsedMs - this.#windowMs;
    this.#count = count;
    this.#totalNs = totalNs;
    if (count > RESET_AFTER_COUNT) {
      // Keeps the running totals well inside a double's exact range; costs one tick's delay once a day.
      this.#histogram.reset();
      this.#count = 0;
      this.#totalNs = 0;
    }
    this.#last = { eventLoopDelayMs: Math.max(0, delayMs), heapUsedPercent: heapUsedPercent() };
    this.#onSample?.(this.#last);
  }
}

/** Heap in use as a percentage of the most V8 will grow it to. */
export function heapUsedPercent(): number {
  const { used_heap_size: used, heap_size_limit: limit } = getHeapStatistics();
  return (used / limit) * 100;
}
