import { weakSecretProblem } from './secret-strength.js';

/**
 * Settings that the auth service signs access tokens with and the gateway
 * verifies them with. They must agree, so both read them from here.
 */
export interface TokenConfig {
  /** HS256 key: `JWT_SECRET`. Unused when tokens are signed with a key pair. */
  secret: string;
  /**
   * How the auth service signs (`JWT_ALG`): `HS256` with `secret`, or `ES256` /
   * `RS256` with a private key whose public half it publishes as a JWKS.
   */
  algorithm: SigningAlgorithm;
  /** `iss` claim: `JWT_ISSUER`. */
  issuer: string;
  /** `aud` claim: `JWT_AUDIENCE`. */
  audience: string;
  /** Access-token lifetime in seconds: `ACCESS_TOKEN_TTL_SECONDS`. */
  accessTokenTtlSeconds: number;
  /** Whether `secret` is the development default, which production refuses. */
  usingDevelopmentSecret: boolean;
  /** Whether `JWT_ISSUER` and `JWT_AUDIENCE` were set, rather than left at their development defaults. */
  issuerAndAudienceSet: boolean;
}

/**
 * The access-token claim that binds a token to one account, not just to an
 * id: the account's creation time, as an RFC 3339 string with milliseconds
 * (`2026-11-01T09:30:00.123Z`). `sub` and this claim together name one
 * account for ever: should an id ever be given out again (a store restored or
 * restarted empty), the new account was created at another time and the
 * gateway refuses the old token for it. The gateway requires the claim and
 * compares it with the account's `created_at` wherever it loads the account.
 */
export const ACCOUNT_CREATED_AT_CLAIM = 'account_created_at';

export const SIGNING_ALGORITHMS = ['HS256', 'ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Public on purpose: it only ever signs development tokens. */
export const DEVELOPMENT_JWT_SECRET = 'pinstack-development-secret-never-use-in-production';

export function tokenConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TokenConfig {
  const secret = env.JWT_SECRET?.trim() || DEVELOPMENT_JWT_SECRET;
  const ttl = Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('ACCESS_TOKEN_TTL_SECONDS must be a positive whole number');
  if (secret.length < 32) throw new Error('JWT_SECRET must be at least 32 characters');
  const algorithm = (env.JWT_ALG?.trim() || 'HS256') as SigningAlgorithm;
  if (!SIGNING_ALGORITHMS.includes(algorithm)) throw new Error(`JWT_ALG must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  const issuer = env.JWT_ISSUER?.trim();
  const audience = env.JWT_AUDIENCE?.trim();
  return {
    secret,
    algorithm,
    issuer: issuer || 'pinstack-auth',
    audience: audience || 'pinstack-gateway',
    accessTokenTtlSeconds: ttl,
    usingDevelopmentSecret: secret === DEVELOPMENT_JWT_SECRET,
    issuerAndAudienceSet: Boolean(issuer && audience),
  };
}

/**
 * Why these token settings are unsafe in production, or undefined when they
 * are not. `usesSecret` says whether the caller signs or verifies with
 * `JWT_SECRET` (not when tokens are signed with a key pair, or verified through
 * a JWKS). The development secret is public, so anyone could sign tokens with
 * it; the default issuer and audience would accept tokens meant for any other
 * deployment that also kept them.
 */
export function productionTokenProblem(config: TokenConfig, usesSecret: boolean): string | undefined {
  if (usesSecret && config.usingDevelopmentSecret) {
    return 'NODE_ENV=production needs JWT_SECRET: the development secret is public and would let anyone sign tokens.';
  }
  const weak = usesSecret ? weakSecretProblem('JWT_SECRET', config.secret) : undefined;
  if (weak) return weak;
  if (!config.issuerAndAudienceSet) {
    return 'NODE_ENV=production needs JWT_ISSUER and JWT_AUDIENCE, so that tokens issued for another deployment are refused.';
  }
  return undefined;
}
