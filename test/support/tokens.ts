import { SignJWT } from 'jose';
import type { TokenConfig } from '../../services/common/token-config.js';

/** Signs a five-minute HS256 access token as the auth service would, with `tokens`' secret, issuer and audience. */
export function signAccessToken(tokens: TokenConfig, claims: Record<string, unknown> & { sub: string }): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(tokens.issuer)
    .setAudience(tokens.audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(tokens.secret));
}
