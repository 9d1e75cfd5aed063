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
  /** Why `claim` refused the request (`client-in-flight`, or `in-flight` for a place from the reserve), or null. */
  readonly refusedFor: OverloadReason | null;
  /**
   * Counts the request against `client`'s share too. When that client already
   * has `maxInFlightPerClient` in flight, or holds a place from the reserve
   * while it has its fair share in flight, it returns false, counts the refusal and
   * releases the admission. On a released admission it returns false and
   * counts nothing. Call it at most once.
   */
  claim(client: string): boolean;
  release(): void;
}

/**
 * How many requests may wait for their client to be read, per place to run:
 * a wait costs a token check and no body, and a flood of requests to be
 * refused by client must not fill the door for others meanwhile.
 */
const PENDING_PER_PLACE = 4;

/** The most clients held back at once; past it, no more are held back until some are let through again. */
const MAX_HELD_BACK = 10_000;

/**
 * The places kept, past `maxInFlight`, for clients below their fair share: a
 * few heavy clients that fill the replica within their own shares must not
 * lock everyone else out. An eighth of the limit, at least one.
 */
export function newcomerReserve(maxInFlight: number): number {
  return maxInFlight > 0 ? Math.max(1, Math.ceil(maxInFlight / 8)) : 0;
}

/**
 * Decides which GraphQL requests one replica takes on. It holds no timers and
 * does no I/O: the load comes from `sampleLoad`, and every refusal is reported
 * to `onShed` (the `gateway_load_shed_total` counter).
 *
 * Fairness: once `maxInFlight` are in flight, a request is still admitted into
 * a small reserve (`newcomerReserve`) when its client has fewer in flight than
 * its fair share (the limit divided among the clients with requests in
 * flight), so that clients flooding within their own caps cannot starve the others.
 *
 * Admission is in two steps so that a refusal for the replica as a whole
 * costs nothing: `admit` lets a request in synchronously, before its client
 * is known, counting it among those whose key is being read (which may verify
 * a token; four may wait per place to run); `claim` then decides with the client
 * known, and counts the request against the limits. So a flood of requests
 * that will be refused by client cannot crowd out, while they are being read,
 * the places of others.
 */
export class LoadShedder {
  readonly #limits: ShedderLimits;
  readonly #sampleLoad: SampleLoad;
  readonly #onShed: (reason: OverloadReason) => void;
  readonly #perClient = new Map<string, number>();
  /** Clients held back at the door, until when (by `now`): see `holdBack`. */
  readonly #heldBack = new Map<string, number>();
  readonly #now: () => number;
  /** Requests running, their client known. */
  #claimed = 0;
  /** Requests let in whose client is still being read (a token verified). */
  #pending = 0;

  constructor(
    limits: ShedderLimits,
    sampleLoad: SampleLoad,
    onShed: (reason: OverloadReason) => void = () => {},
    now: () => number = Date.now,
  ) {
    this.#limits = limits;
    this.#sampleLoad = sampleLoad;
    this.#onShed = onShed;
    this.#now = now;
  }

  /**
   * Refuses `client`'s requests at the door (`cost-in-flight`) for `ms`: a
   * client shed for the cost it runs, told to retry after a second, that sends
   * more at once would otherwise have each parsed and estimated before being
   * shed again, at a cost the replica's other clients pay.
   */
  holdBack(client: string, ms: number): void {
    const now = this.#now();
    // Keyed by client: drop the expired ones before the map grows with every address ever held back.
    if (this.#heldBack.size >= MAX_HELD_BACK) for (const [key, until] of this.#heldBack) if (until <= now) this.#heldBack.delete(key);
    if (this.#heldBack.size < MAX_HELD_BACK) this.#heldBack.set(client, now + ms);
  }

  #isHeldBack(client: string): boolean {
    const until = this.#heldBack.get(client);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#heldBack.delete(client);
    return false;
  }

  /** Requests admitted and not yet released: those whose client is known, and those whose key is still being read. */
  get inFlight(): number {
    return this.#claimed + this.#pending;
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

  /**
   * Lets one request in to have its client read, or returns (and counts) the
   * reason it is shed: the replica is overloaded, already runs all it may
   * (`maxInFlight` and the reserve), or has four times as many requests
   * waiting for their client to be read.
   */
  admit(): Admission | OverloadReason {
    const overload = this.overload();
    if (overload) return this.#shed(overload);
    const { maxInFlight } = this.#limits;
    if (maxInFlight > 0 && (this.#claimed >= maxInFlight + newcomerReserve(maxInFlight) || this.#pending >= PENDING_PER_PLACE * maxInFlight)) {
      return this.#shed('in-flight');
    }
    this.#pending += 1;
    return this.#admission();
  }

  #admission(): Admission {
    let state: 'pending' | 'claimed' | 'released' = 'pending';
    let refusedFor: OverloadReason | null = null;
    let client: string | undefined;
    const release = (): void => {
      if (state === 'released') return;
      if (state === 'pending') this.#pending -= 1;
      else this.#claimed -= 1;
      state = 'released';
      if (client === undefined) return;
      const left = this.inFlightOf(client) - 1;
      // Keyed by client, so the map would grow with every address ever seen: keep only those with requests in flight.
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    };
    return {
      get released() {
        return state === 'released';
      },
      get refusedFor() {
        return refusedFor;
      },
      claim: (key) => {
        if (state !== 'pending') return false;
        refusedFor = this.#refusal(key);
        if (refusedFor) {
          release();
          this.#shed(refusedFor);
          return false;
        }
        this.#pending -= 1;
        this.#claimed += 1;
        state = 'claimed';
        client = key;
        this.#perClient.set(key, this.inFlightOf(key) + 1);
        return true;
      },
      release,
    };
  }

  /** Why a request of `client` may not run now, or null: held back, over the limit and its fair share, or over its cap. */
  #refusal(client: string): OverloadReason | null {
    if (this.#isHeldBack(client)) return 'cost-in-flight';
    const { maxInFlight, maxInFlightPerClient } = this.#limits;
    const current = this.inFlightOf(client);
    const full = maxInFlight > 0 && this.#claimed >= maxInFlight;
    if (full && (this.#claimed >= maxInFlight + newcomerReserve(maxInFlight) || current >= this.#fairShare(current))) return 'in-flight';
    if (maxInFlightPerClient > 0 && current >= maxInFlightPerClient) return 'client-in-flight';
    return null;
  }

  /** The limit divided among the clients with requests in flight, counting one that has `current` (maybe none). */
  #fairShare(current: number): number {
    return this.#limits.maxInFlight / (this.#perClient.size + (current > 0 ? 0 : 1));
  }

  #shed(reason: OverloadReason): OverloadReason {
    this.#onShed(reason);
    return reason;
  }
}
