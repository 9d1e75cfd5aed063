import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { ACCOUNT_CREATED_AT_CLAIM, type TokenConfig } from '../../platform/token-config.js';
import { InvalidTokenError, TokenKeysUnavailableError, UnauthenticatedReason } from '../errors.js';
import { KeySetUnavailableError, RemoteKeySet } from './remote-key-set.js';
import type { Viewer } from './viewer.js';

/** Longest Authorization header accepted; longer ones are refused before any parsing. */
const MAX_AUTHORIZATION_LENGTH = 8_192;

/** What a user id or a role may be, to be passed to the services in gRPC metadata: printable ASCII, at most 128 characters. */
const CLAIM_VALUE = /^[\x21-\x7E]{1,128}$/;

/** The most roles one token may carry. */
const MAX_ROLES = 32;

/** Seconds of clock skew between issuer and gateway tolerated on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** Algorithms a JWKS-verified token may use: asymmetric only, so no public key can act as an HMAC secret. */
export const JWKS_ALGORITHMS = ['ES256', 'RS256'] as const;

// The token errors are gateway errors like any other, kept with them in src/errors;
// re-exported here, where they are raised.
export { InvalidTokenError, TokenKeysUnavailableError };

/** Where verification keys come from: the shared HS256 secret, or the issuer's JWKS. */
export type VerificationKeys =
  | { kind: 'secret' }
  | {
      kind: 'jwks';
      /** `JWKS_URL`. */
      url: string;
      /** `JWKS_CACHE_MAX_AGE_MS`. */
      maxAgeMs: number;
      /** `JWKS_COOLDOWN_MS`. */
      cooldownMs: number;
    };

export interface TokenVerifierOptions {
  keys?: VerificationKeys;
  /** The clock for `exp`, `nbf` and the JWKS cache, in epoch milliseconds. */
  now?: () => number;
}

/**
 * Verifies access tokens: the signature (HS256 with the shared secret, or
 * ES256/RS256 against the issuer's JWKS), the issuer, the audience,
 * `exp`/`nbf` with a small tolerance, and that the token names its account
 * by id and creation time. Whether that account still exists, and is the one
 * created then, is for the permission rules (`hasAccount`), which load it.
 */
/** Tokens whose signature and claims were checked, remembered at most this long (or the key set's max age, if shorter). */
const VERIFIED_TOKEN_TTL_MS = 60_000;
/** How many verified tokens are remembered: about one per active client of a replica. */
const MAX_VERIFIED_TOKENS = 10_000;

/** A verified access token: whose it is, and until when it is accepted. */
export interface VerifiedCredential {
  viewer: Viewer;
  /** When the token stops being accepted, in epoch ms: its `exp` plus the clock tolerance. */
  expiresAt: number;
}

/** A token that verified, and the times its claims hold between. */
interface VerifiedToken {
  viewer: Viewer;
  /** `exp`, in ms: past it (and the clock tolerance) the token is verified again, and fails as expired. */
  expiresAt: number;
  /** `nbf`, in ms, or 0. */
  notBefore: number;
  /** When this entry stops being trusted, whatever the token says: a key retired meanwhile is then noticed. */
  trustedUntil: number;
}

export class TokenVerifier {
  readonly #config: TokenConfig;
  readonly #key: Uint8Array | JWTVerifyGetKey;
  readonly #algorithms: string[];
  readonly #now: () => number;
  /**
   * Tokens already verified: a client sends the same token with every request,
   * and checking its signature again each time is work with the same answer.
   * Only tokens that verified are kept, by their exact text; the time claims
   * are checked again on every use against this verifier's clock.
   */
  readonly #verified = new LRUCache<string, VerifiedToken>({ max: MAX_VERIFIED_TOKENS });
  readonly #trustMs: number;

  constructor(config: TokenConfig, options: TokenVerifierOptions = {}) {
    this.#config = config;
    this.#now = options.now ?? Date.now;
    const keys = options.keys ?? { kind: 'secret' };
    this.#trustMs = keys.kind === 'jwks' ? Math.min(VERIFIED_TOKEN_TTL_MS, keys.maxAgeMs) : VERIFIED_TOKEN_TTL_MS;
    if (keys.kind === 'jwks') {
      this.#key = new RemoteKeySet(keys.url, { maxAgeMs: keys.maxAgeMs, cooldownMs: keys.cooldownMs, now: this.#now }).getKey;
      this.#algorithms = [...JWKS_ALGORITHMS];
    } else {
      this.#key = new TextEncoder().encode(config.secret);
      // Only the algorithm we sign with: never `none`, never an asymmetric one
      // whose public key could be replayed as an HMAC secret.
      this.#algorithms = ['HS256'];
    }
  }

  /**
   * The viewer for an `Authorization` header value: null when there is none,
   * `InvalidTokenError` when there is one that does not verify.
   */
  async viewerFromHeader(header: string | undefined): Promise<Viewer | null> {
    return (await this.credentialFromHeader(header))?.viewer ?? null;
  }

  /**
   * `viewerFromHeader`, with the time the token stops being accepted: what a
   * connection that outlives its first request (a WebSocket) needs, to end
   * when its token does.
   */
  async credentialFromHeader(header: string | undefined): Promise<VerifiedCredential | null> {
    if (header === undefined || header === '') return null;
    if (header.length > MAX_AUTHORIZATION_LENGTH) throw new InvalidTokenError('The access token is too large.');
    const match = /^Bearer\s+([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
    if (!match?.[1]) throw new InvalidTokenError('The Authorization header must be "Bearer <access token>".');
    return this.verifiedOnce(match[1]);
  }

  /** `verify`, answered from the tokens already verified while their claims still hold. */
  private async verifiedOnce(token: string): Promise<VerifiedCredential> {
    const now = this.#now();
    const known = this.#verified.get(token);
    const tolerance = CLOCK_TOLERANCE_SECONDS * 1000;
    if (known && now < known.trustedUntil && now < known.expiresAt + tolerance && now >= known.notBefore - tolerance) {
      return { viewer: known.viewer, expiresAt: known.expiresAt + tolerance };
    }
    // Expired (as jose counts: from exp plus the tolerance on), not yet valid, or trusted long enough: verified in full, which says why it fails.
    if (known) this.#verified.delete(token);
    const { viewer, expiresAt, notBefore } = await this.verify(token);
    this.#verified.set(token, { viewer, expiresAt, notBefore, trustedUntil: now + this.#trustMs });
    return { viewer, expiresAt: expiresAt + tolerance };
  }

  private async verify(token: string): Promise<{ viewer: Viewer; expiresAt: number; notBefore: number }> {
    try {
      const options = {
        algorithms: this.#algorithms,
        issuer: this.#config.issuer,
        audience: this.#config.audience,
        requiredClaims: ['sub', 'exp', 'iat', ACCOUNT_CREATED_AT_CLAIM],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(this.#now()),
      };
      // Two calls only because jose types its key-function and plain-key overloads apart.
      const { payload } =
        typeof this.#key === 'function' ? await jwtVerify(token, this.#key, options) : await jwtVerify(token, this.#key, options);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('The access token names no user.');
      // Claims travel on to the services as gRPC metadata, which takes printable ASCII only: a
      // validly signed token from an identity provider could still carry anything.
      if (!CLAIM_VALUE.test(payload.sub)) throw new InvalidTokenError('The access token names a user id the services cannot take.');
      const roles = stringList(payload.roles);
      if (roles.length > MAX_ROLES || !roles.every((role) => CLAIM_VALUE.test(role) && !role.includes(','))) {
        throw new InvalidTokenError('The access token carries roles the services cannot take.');
      }
      const accountCreatedAt = instant(payload[ACCOUNT_CREATED_AT_CLAIM]);
      if (accountCreatedAt === undefined) throw new InvalidTokenError('The access token names no account.');
      // Frozen: the same viewer answers every request that sends this token.
      const viewer: Viewer = Object.freeze({
        id: payload.sub,
        accountCreatedAt,
        roles: Object.freeze(roles),
        scopes: Object.freeze(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []),
      });
      // `exp` is a required claim, so jose has checked it is a number.
      return { viewer, expiresAt: (payload.exp ?? 0) * 1000, notBefore: (payload.nbf ?? 0) * 1000 };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof KeySetUnavailableError) throw new TokenKeysUnavailableError(error);
      // The two faults a client can act on without signing in again: refresh an
      // expired token; a token not valid yet means a clock is wrong somewhere.
      if (error instanceof joseErrors.JWTExpired) {
        throw new InvalidTokenError('The access token has expired; get a new one with refreshToken.', UnauthenticatedReason.TokenExpired);
      }
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf') {
        throw new InvalidTokenError('The access token is not valid yet.', UnauthenticatedReason.TokenNotYetValid);
      }
      throw new InvalidTokenError('The access token is invalid.');
    }
  }
}

/** Ms since the epoch of an RFC 3339 time as the auth service writes it (`toISOString`), or undefined. */
function instant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  // Only the exact form the issuer writes: a loose parse would let two spellings name one time.
  return Number.isFinite(ms) && new Date(ms).toISOString() === value ? ms : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
