import { setTimeout as delay } from 'node:timers/promises';
import { Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../../../platform/events/index.js';
import type { Logger } from '../logger.js';
import type { MemoryOutbox } from './outbox.js';

export interface OutboxRelayOptions {
  logger: Logger;
  /** Where `events_outbox_pending` is registered; nowhere by default. */
  registry?: Registry;
  /** Delays between attempts while the broker fails, growing to the last; default 100 ms doubling to 5 s. */
  backoffMs?: { initial: number; max: number };
}

/**
 * Publishes what a service's outbox holds, oldest first, one at a time (so a
 * service's events keep their order), removing each once the bus has stored
 * it. While the bus fails it retries with growing delays, forever: the events
 * wait in the outbox meanwhile, and the write that made them has long
 * succeeded. A publish that landed but whose acknowledgement was lost is
 * retried too, and dropped by the broker as a duplicate (same event id).
 */
export class OutboxRelay {
  readonly #abort = new AbortController();
  #running: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #unlisten: (() => void) | null = null;
  #stopping = false;

  constructor(
    private readonly outbox: MemoryOutbox,
    private readonly bus: EventBus,
    private readonly options: OutboxRelayOptions,
  ) {
    if (options.registry) {
      new Gauge({
        name: 'events_outbox_pending',
        help: 'Events written and waiting in the outbox to be published.',
        registers: [options.registry],
        collect() {
          this.set(outbox.size);
        },
      });
    }
  }

  start(): void {
    if (this.#running) return;
    this.#unlisten = this.outbox.onAdd(() => this.#wake?.());
    this.#running = this.#run();
  }

  /** Stops after the publish in flight; what is left stays in the outbox. Waits at most `graceMs` for a last drain. */
  async stop(graceMs = 2_000): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#unlisten?.();
    const deadline = setTimeout(() => this.#abort.abort(), graceMs);
    // Let it publish what is there, while the bus answers, then end.
    this.#stopping = true;
    this.#wake?.();
    await running;
    clearTimeout(deadline);
  }

  async #run(): Promise<void> {
    const { initial, max } = this.options.backoffMs ?? { initial: 100, max: 5_000 };
    let backoff = initial;
    let failing = false;
    while (!this.#abort.signal.aborted) {
      const [entry] = this.outbox.peek(1);
      if (!entry) {
        if (this.#stopping) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
        continue;
      }
      try {
        await this.bus.publish(entry.event, { trace: entry.trace });
        this.outbox.shift();
        if (failing) this.options.logger.info({ pending: this.outbox.size }, 'events are being published again');
        failing = false;
        backoff = initial;
      } catch (error) {
        if (!failing) this.options.logger.warn({ err: error, pending: this.outbox.size }, 'events cannot be published; they wait in the outbox and are retried');
        failing = true;
        if (this.#stopping) return;
        await delay(backoff, undefined, { signal: this.#abort.signal }).catch(() => undefined);
        backoff = Math.min(max, backoff * 2);
      }
    }
  }
}
