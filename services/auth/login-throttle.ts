/** Failures for one account before sign-ins for it start to slow down. */
export const FREE_LOGIN_FAILURES = 5;
/** The first delay once an account is past its free failures; each further failure doubles it. */
export const FIRST_LOGIN_DELAY_MS = 500;
/** The longest an attempt is held back. */
export const MAX_LOGIN_DELAY_MS = 30_000;
/** Failures older than this are forgotten. */
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000;

export interface LoginThrottleOptions {
  now?: () => number;
  /** Waits `ms`; injected so tests can record delays instead of waiting. */
  wait?: (ms: number) => Promise<void>;
}

interface Failures {
  count: number;
  last: number;
}

/**
 * Slows down repeated failed sign-ins for one account: after
 * `FREE_LOGIN_FAILURES` failures, each attempt for that e-mail address is held
 * back (500 ms, then doubling up to 30 s) before its password is checked, so
 * guessing one account's password online becomes impractically slow. Keyed by
 * address, known or not, so the delay does not reveal which addresses have
 * accounts. A success clears the count. Per process: several auth instances
 * would each keep their own count.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, Failures>();
  readonly #now: () => number;
  readonly #wait: (ms: number) => Promise<void>;

  constructor(options: LoginThrottleOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#wait = options.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** How long the next attempt for `key` is held back, in milliseconds. */
  delayFor(key: string): number {
    const failures = this.#current(key);
    if (!failures || failures.count < FREE_LOGIN_FAILURES) return 0;
    return Math.min(MAX_LOGIN_DELAY_MS, FIRST_LOGIN_DELAY_MS * 2 ** (failures.count - FREE_LOGIN_FAILURES));
  }

  /** Holds the attempt back as long as `delayFor` says. */
  async beforeAttempt(key: string): Promise<void> {
    const delay = this.delayFor(key);
    if (delay > 0) await this.#wait(delay);
  }

  failed(key: string): void {
    const count = (this.#current(key)?.count ?? 0) + 1;
    this.#failures.set(key, { count, last: this.#now() });
    if (this.#failures.size > 100_000) this.#forgetOld();
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }

  #current(key: string): Failures | undefined {
    const failures = this.#failures.get(key);
    if (failures && this.#now() - failures.last > LOGIN_FAILURE_WINDOW_MS) {
      this.#failures.delete(key);
      return undefined;
    }
    return failures;
  }

  // Bounds memory under a spray of addresses: forgets failures past the window.
  #forgetOld(): void {
    const now = this.#now();
    for (const [key, failures] of this.#failures) if (now - failures.last > LOGIN_FAILURE_WINDOW_MS) this.#failures.delete(key);
  }
}
