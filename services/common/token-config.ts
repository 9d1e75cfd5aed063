/**
 * Settings that the auth service signs access tokens with and the gateway
 * verifies them with. They must agree, so both read them from here.
 */
export interface TokenConfig {
  /** HS256 key: `JWT_SECRET`. */
  secret: string;
  /** `iss` claim: `JWT_ISSUER`. */
  issuer: string;
  /** `aud` claim: `JWT_AUDIENCE`. */
  audience: string;
  /** Access-token lifetime in seconds: `ACCESS_TOKEN_TTL_SECONDS`. */
  accessTokenTtlSeconds: number;
  /** Whether `secret` is the development default, which production refuses. */
  usingDevelopmentSecret: boolean;
}

/** Public on purpose: it only ever signs development tokens. */
export const DEVELOPMENT_JWT_SECRET = 'pinstack-development-secret-never-use-in-production';

export function tokenConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TokenConfig {
  const secret = env.JWT_SECRET?.trim() || DEVELOPMENT_JWT_SECRET;
  const ttl = Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('ACCESS_TOKEN_TTL_SECONDS must be a positive whole number');
  if (secret.length < 32) throw new Error('JWT_SECRET must be at least 32 characters');
  return {
    secret,
    issuer: env.JWT_ISSUER?.trim() || 'pinstack-auth',
    audience: env.JWT_AUDIENCE?.trim() || 'pinstack-gateway',
    accessTokenTtlSeconds: ttl,
    usingDevelopmentSecret: secret === DEVELOPMENT_JWT_SECRET,
  };
}
