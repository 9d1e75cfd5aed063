import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { TokenPair } from '../../generated/proto/pinstack/auth/v1/auth.js';
import { ACCOUNT_CREATED_AT_CLAIM, type TokenConfig } from '../../platform/token-config.js';
import { unauthenticated } from '../common/errors.js';
import type { RefreshTokensRepository } from './repository.js';
import type { SigningKeys } from './signing-keys.js';

/** Refresh tokens last 30 days; the access token they renew lasts `accessTokenTtlSeconds`. */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const REFRESH_TOKEN_BYTES = 32;

/** Roles and scope of an ordinary account, as the gateway's rules read them. */
export const USER_ROLES = ['user'] as const;
/** Roles of an account named in `ADMIN_USER_IDS`. */
export const ADMIN_ROLES = ['user', 'admin'] as const;
export const USER_SCOPE = 'read write';

/** One message for every refused refresh token, so it does not say which check failed. */
export const INVALID_REFRESH_TOKEN_MESSAGE = 'the refresh token is not valid';

export interface TokenIssuerOptions {
  config: TokenConfig;
  refreshTokens: RefreshTokensRepository;
  /** The key pairs that sign when `config.algorithm` is ES256 or RS256. */
  signingKeys?: SigningKeys;
  /** Accounts whose tokens carry the `admin` role (`ADMIN_USER_IDS`). */
  admins?: ReadonlySet<string>;
  now?: () => Date;
}

/**
 * The account a token pair is for. Its id and creation time go into the
 * access token (`sub` and `ACCOUNT_CREATED_AT_CLAIM`), so the token acts for
 * this account and no other, even one that might later get the same id.
 */
export interface TokenAccount {
  userId: string;
  /** The profile's `created_at` in the users service. */
  createdAt: Date;
}

/** Signs access tokens and records refresh tokens. */
export interface TokenIssuer {
  /**
   * A new access token and refresh token for `account`. The refresh token
   * starts a new family unless `familyId` continues one (a rotation).
   */
  issue(account: TokenAccount, familyId?: string): Promise<TokenPair>;
  /**
   * Exchanges a refresh token for a new pair in the same family. A token works
   * once: presenting a spent one again means it leaked, so the whole family is
   * revoked, including the pair its first use produced. UNAUTHENTICATED for an
   * unknown, expired, spent or revoked token, all with one message.
   */
  rotate(refreshToken: string): Promise<{ userId: string; tokens: TokenPair }>;
  /** Revokes the family of `refreshToken`; false when it names no live family. */
  revoke(refreshToken: string): Promise<boolean>;
}

export function createTokenIssuer({
  config,
  refreshTokens,
  signingKeys,
  admins = new Set(),
  now = () => new Date(),
}: TokenIssuerOptions): TokenIssuer {
  const secret = new TextEncoder().encode(config.secret);
  if (config.algorithm !== 'HS256' && !signingKeys) throw new Error(`${config.algorithm} tokens need signing keys`);

  // The key and header for the next token: with key pairs, the current key and its kid.
  const signer = () => {
    if (config.algorithm === 'HS256' || !signingKeys) return { key: secret, header: { alg: 'HS256', typ: 'JWT' } };
    const { kid, alg, privateKey } = signingKeys.current;
    return { key: privateKey, header: { alg, kid, typ: 'JWT' } };
  };

  const issuer: TokenIssuer = {
    // A family id is a random UUIDv4: unguessable and never reused, and it
    // never leaves this service, so it needs neither a prefix nor time order.
    async issue({ userId, createdAt }, familyId = randomUUID()) {
      const issuedAt = now();
      const iat = Math.floor(issuedAt.getTime() / 1000);
      const { key, header } = signer();
      const roles = admins.has(userId) ? ADMIN_ROLES : USER_ROLES;
      const claims = { roles: [...roles], scope: USER_SCOPE, [ACCOUNT_CREATED_AT_CLAIM]: createdAt.toISOString() };
      const accessToken = await new SignJWT(claims)
        .setProtectedHeader(header)
        .setSubject(userId)
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + config.accessTokenTtlSeconds)
        .setJti(randomUUID())
        .sign(key);

      const refreshToken = randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
      await refreshTokens.insert({
        tokenHash: hashRefreshToken(refreshToken),
        userId,
        accountCreatedAt: createdAt,
        familyId,
        issuedAt,
        expiresAt: new Date(issuedAt.getTime() + REFRESH_TOKEN_TTL_MS),
      });
      return { accessToken, refreshToken, expiresIn: config.accessTokenTtlSeconds };
    },

    async rotate(refreshToken) {
      const at = now();
      const tokenHash = hashRefreshToken(refreshToken);
      const record = await refreshTokens.findByHash(tokenHash);
      if (!record || record.revokedAt || record.expiresAt.getTime() <= at.getTime()) {
        throw unauthenticated(INVALID_REFRESH_TOKEN_MESSAGE);
      }
      // markUsed is atomic, so of two concurrent exchanges exactly one wins; the
      // other is treated as reuse, as it would be if it came later.
      if (record.usedAt || !(await refreshTokens.markUsed(tokenHash, at))) {
        await refreshTokens.revokeFamily(record.familyId, at);
        throw unauthenticated(INVALID_REFRESH_TOKEN_MESSAGE);
      }
      const account = { userId: record.userId, createdAt: record.accountCreatedAt };
      return { userId: record.userId, tokens: await issuer.issue(account, record.familyId) };
    },

    async revoke(refreshToken) {
      const record = await refreshTokens.findByHash(hashRefreshToken(refreshToken));
      if (!record || record.revokedAt) return false;
      return (await refreshTokens.revokeFamily(record.familyId, now())) > 0;
    },
  };
  return issuer;
}

/**
 * The key a refresh token is stored under. A plain SHA-256 is enough: the token
 * is 256 random bits, so there is nothing to guess that a slow hash would protect.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
