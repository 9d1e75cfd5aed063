import type { OverloadSettings } from '../config/index.js';
import type { OverloadReason } from '../errors.js';
import type { SampleLoad } from './load-sampler.js';

/** The limits the shedder enforces; 0 turns one off. */
export type ShedderLimits = Pick<OverloadSettings, 'maxInFlight' | 'maxInFlightPerClient' | 'maxEventLoopDelayMs' | 'maxHeapUsedPercent'>;

/** The reasons that concern the whole replica, not one client: readiness fails for these. */
export type ReplicaOverload = Extract<OverloadReason, 'event-loop' | 'heap'>;

/**
 * One request's place among those in flight, from `LoadShedder.admit`. It must
 * be released once the response is done or the connection is gone; releasing
 * again does nothing, so both events can release it.
 */
export interface Admission {
  /** Whether `release` has run. */
  readonly released: boolean;
  /**
   * Counts the request against `client`'s share too. When that client already
   * has `maxInFlightPerClient` in flight it returns false, counts the refusal
   * and releases the admission. On a released admission it returns false and
   * counts nothing. Call it at most once.
   */
  claim(client: string): boolean;
  release(): void;
}

/**
 * Decides which GraphQL requests one replica takes on. It holds no timers and
 * does no I/O: the load comes from `sampleLoad`, and every refusal is reported
 * to `onShed` (the `gateway_load_shed_total` counter).
 *
 * Admission is in two steps so that a refusal for the replica as a whole
 * costs nothing: `admit` takes a place synchronously, before the client is
 * known; `claim` then counts it against the client once its key is read
 * (which may verify a token). Taking the place first means requests whose keys
 * are being read still count, so the limit never overshoots.
 */
export class LoadShedder {
  readonly #limits: ShedderLimits;
  readonly #sampleLoad: SampleLoad;
  readonly #onShed: (reason: OverloadReason) => void;
  readonly #perClient = new Map<string, number>();
  #inFlight = 0;

  constructor(limits: ShedderLimits, sampleLoad: SampleLoad, onShed: (reason: OverloadReason) => void = () => {}) {
    this.#limits = limits;
    this.#sampleLoad = sampleLoad;
    this.#onShed = onShed;
  }

  /** Requests admitted and not yet released. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests `client` has in flight (those whose admission it claimed). */
  inFlightOf(client: string): number {
    return this.#perClient.get(client) ?? 0;
  }

  /** Why the replica as a whole sheds right now (its event loop lags or its heap is nearly full), or null. */
  overload(): ReplicaOverload | null {
    const { maxEventLoopDelayMs, maxHeapUsedPercent } = this.#limits;
    if (maxEventLoopDelayMs === 0 && maxHeapUsedPercent === 0) return null;
    const load = this.#sampleLoad();
    if (maxEventLoopDelayMs > 0 && load.eventLoopDelayMs > maxEventLoopDelayMs) return 'event-loop';
    if (maxHeapUsedPercent > 0 && load.heapUsedPercent > maxHeapUsedPercent) return 'heap';
    return null;
  }

  /** Takes a place for one request, or returns (and counts) the reason it is shed. */
  admit(): Admission | OverloadReason {
    const overload = this.overload();
    if (overload) return this.#shed(overload);
    const { maxInFlight } = this.#limits;
    if (maxInFlight > 0 && this.#inFlight >= maxInFlight) return this.#shed('in-flight');
    this.#inFlight += 1;
    return this.#admission();
  }

  #admission(): Admission {
    let released = false;
    let client: string | undefined;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#inFlight -= 1;
      if (client === undefined) return;
      const left = this.inFlightOf(client) - 1;
      // Keyed by client, so the map would grow with every address ever seen: keep only those with requests in flight.
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    };
    return {
      get released() {
        return released;
      },
      claim: (key) => {
        if (released) return false;
        const { maxInFlightPerClient } = this.#limits;
        const current = this.inFlightOf(key);
        if (maxInFlightPerClient > 0 && current >= maxInFlightPerClient) {
          release();
          this.#shed('client-in-flight');
          return false;
        }
        client = key;
        this.#perClient.set(key, current + 1);
        return true;
      },
      release,
    };
  }

  #shed(reason: OverloadReason): OverloadReason {
    this.#onShed(reason);
    return reason;
  }
}
