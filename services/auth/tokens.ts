import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { TokenPair } from '../../generated/proto/pinstack/auth/v1/auth.js';
import type { TokenConfig } from '../common/token-config.js';
import type { RefreshTokensRepository } from './repository.js';

/** Refresh tokens last 30 days; the access token they renew lasts `accessTokenTtlSeconds`. */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const REFRESH_TOKEN_BYTES = 32;

/** Roles and scope of an ordinary account, as the gateway's rules read them. */
export const USER_ROLES = ['user'] as const;
export const USER_SCOPE = 'read write';

export interface TokenIssuerOptions {
  config: TokenConfig;
  refreshTokens: RefreshTokensRepository;
  now?: () => Date;
}

/** Signs access tokens and records refresh tokens. */
export interface TokenIssuer {
  /**
   * A new access token and refresh token for `userId`. The refresh token starts
   * a new family unless `familyId` continues one (a rotation).
   */
  issue(userId: string, familyId?: string): Promise<TokenPair>;
}

export function createTokenIssuer({ config, refreshTokens, now = () => new Date() }: TokenIssuerOptions): TokenIssuer {
  const key = new TextEncoder().encode(config.secret);

  return {
    async issue(userId, familyId = randomUUID()) {
      const issuedAt = now();
      const iat = Math.floor(issuedAt.getTime() / 1000);
      const accessToken = await new SignJWT({ roles: [...USER_ROLES], scope: USER_SCOPE })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
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
        familyId,
        issuedAt,
        expiresAt: new Date(issuedAt.getTime() + REFRESH_TOKEN_TTL_MS),
      });
      return { accessToken, refreshToken, expiresIn: config.accessTokenTtlSeconds };
    },
  };
}

/**
 * The key a refresh token is stored under. A plain SHA-256 is enough: the token
 * is 256 random bits, so there is nothing to guess that a slow hash would protect.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
