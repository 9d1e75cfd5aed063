import { SignJWT } from 'jose';
import { ACCOUNT_CREATED_AT_CLAIM, type TokenConfig } from '../../platform/token-config.js';

/**
 * Signs a five-minute HS256 access token as the auth service would, with
 * `tokens`' secret, issuer and audience. Without an `account_created_at` claim
 * it gets the Unix epoch, which matches no account: enough for a token that
 * only has to verify, not for one that acts as an account (`stack.signToken`
 * fills in a seeded account's real creation time).
 */
export function signAccessToken(tokens: TokenConfig, claims: Record<string, unknown> & { sub: string }): Promise<string> {
  return new SignJWT({ [ACCOUNT_CREATED_AT_CLAIM]: new Date(0).toISOString(), ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(tokens.issuer)
    .setAudience(tokens.audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(tokens.secret));
}

/** HS256 token settings for tests that verify tokens without a stack. */
export const TEST_TOKEN_CONFIG = {
  secret: 'a-test-secret-that-is-long-enough-for-hs256',
  algorithm: 'HS256',
  issuer: 'pinstack-test',
  audience: 'pinstack-test-gateway',
  accessTokenTtlSeconds: 300,
  usingDevelopmentSecret: false,
  issuerAndAudienceSet: true,
} as const;
