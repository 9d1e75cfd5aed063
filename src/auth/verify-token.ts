import { GraphQLError } from 'graphql';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { TokenConfig } from '../../services/common/token-config.js';
import { GatewayErrorCode } from '../errors.js';
import type { Viewer } from './viewer.js';

/** Longest Authorization header accepted; longer ones are refused before any parsing. */
const MAX_AUTHORIZATION_LENGTH = 8_192;

/**
 * A token was sent but cannot be trusted. The request fails as a whole with
 * HTTP 401: a client that sent a token expects to be that user, so quietly
 * treating it as anonymous would hide the fault.
 */
export class InvalidTokenError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: GatewayErrorCode.Unauthenticated, http: { status: 401 } } });
    this.name = 'InvalidTokenError';
  }
}

/** Verifies access tokens against the shared HS256 secret, issuer and audience. */
export class TokenVerifier {
  private readonly key: Uint8Array;

  constructor(private readonly config: TokenConfig) {
    this.key = new TextEncoder().encode(config.secret);
  }

  /**
   * The viewer for an `Authorization` header value: null when there is none,
   * `InvalidTokenError` when there is one that does not verify.
   */
  async viewerFromHeader(header: string | undefined): Promise<Viewer | null> {
    if (header === undefined || header === '') return null;
    if (header.length > MAX_AUTHORIZATION_LENGTH) throw new InvalidTokenError('The access token is too large.');
    const match = /^Bearer\s+([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
    if (!match?.[1]) throw new InvalidTokenError('The Authorization header must be "Bearer <access token>".');
    return this.verify(match[1]);
  }

  private async verify(token: string): Promise<Viewer> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        // Only the algorithm we sign with: never `none`, never an asymmetric one
        // whose public key could be replayed as an HMAC secret.
        algorithms: ['HS256'],
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: 5,
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('The access token names no user.');
      return {
        id: payload.sub,
        roles: stringList(payload.roles),
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
      };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError('The access token has expired.');
      throw new InvalidTokenError('The access token is invalid.');
    }
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
