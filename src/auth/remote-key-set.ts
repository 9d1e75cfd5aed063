import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export interface RemoteKeySetOptions {
  /** How long a fetched JWKS is used before it is fetched again (`JWKS_CACHE_MAX_AGE_MS`). */
  maxAgeMs: number;
  /**
   * Least time between two fetches (`JWKS_COOLDOWN_MS`): a token with an
   * unknown `kid` triggers a refetch, but a flood of made-up kids cannot turn
   * into a flood of requests to the identity provider.
   */
  cooldownMs: number;
  /** How long one fetch may take. */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * The public keys at a JWKS URL, for jose's `jwtVerify`: cached for
 * `maxAgeMs`, fetched again at once (cooldown permitting) when a token names
 * a `kid` the cached set lacks, so a key rotation at the issuer needs no
 * restart here. Concurrent misses share one fetch, and fetches are at least
 * `cooldownMs` apart, failed ones included, so neither made-up kids nor an
 * issuer outage turn into a flood of requests. While the issuer cannot be
 * reached, the keys last fetched stay in use: an outage of the JWKS endpoint
 * does not sign everybody out.
 *
 * jose's own `createRemoteJWKSet` does much the same but reads the wall clock;
 * this takes a clock so cache expiry and cooldown can be tested without
 * waiting. Keys are still selected and imported by jose (`createLocalJWKSet`).
 */
export class RemoteKeySet {
  readonly #url: URL;
  readonly #options: Required<RemoteKeySetOptions>;
  #local: JWTVerifyGetKey | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #lastFailure: KeySetUnavailableError | undefined;
  #pending: Promise<void> | undefined;

  constructor(url: string | URL, options: RemoteKeySetOptions) {
    this.#url = new URL(url);
    if (this.#url.protocol !== 'https:' && this.#url.protocol !== 'http:') throw new Error('JWKS_URL must be an http(s) URL');
    this.#options = { timeoutMs: 5_000, now: Date.now, ...options };
  }

  /** The `getKey` function `jwtVerify` takes. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.#local || this.#options.now() - this.#fetchedAt >= this.#options.maxAgeMs) await this.#refresh();
    const local = this.#local;
    if (!local) throw this.#lastFailure ?? new KeySetUnavailableError(this.#url, undefined);
    try {
      return await local(header, token);
    } catch (error) {
      // An unknown kid may be a key published since the last fetch: fetch
      // again, or wait for the fetch another request already started.
      if (!(error instanceof joseErrors.JWKSNoMatchingKey) || (!this.#pending && !this.#mayFetch())) throw error;
      await this.#refresh();
      if (this.#local === local) throw this.#lastFailure ?? error;
      return this.#local!(header, token);
    }
  };

  #mayFetch(): boolean {
    return this.#options.now() - this.#attemptedAt >= this.#options.cooldownMs;
  }

  /** Fetches the JWKS unless one was fetched or tried within the cooldown; never throws. */
  #refresh(): Promise<void> {
    if (this.#pending) return this.#pending;
    if (!this.#mayFetch()) return Promise.resolve();
    this.#attemptedAt = this.#options.now();
    this.#pending = this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<void> {
    try {
      const response = await fetch(this.#url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.#local = createLocalJWKSet((await response.json()) as JSONWebKeySet);
      this.#fetchedAt = this.#options.now();
      this.#lastFailure = undefined;
    } catch (error) {
      this.#lastFailure = new KeySetUnavailableError(this.#url, error);
    }
  }
}

/** The JWKS could not be fetched: the issuer is down or unreachable, not the token at fault. */
export class KeySetUnavailableError extends Error {
  constructor(url: URL, cause: unknown) {
    super(`fetching the JWKS at ${url.href} failed`, { cause });
    this.name = 'KeySetUnavailableError';
  }
}
