import type { TokenPair } from '../../generated/proto/pinstack/auth/v1/auth.js';
import { CredentialRejectedError, InternalServerError, UnauthenticatedError, UnauthenticatedReason } from '../errors.js';
import type { ServiceApis } from '../grpc/service-apis.js';
import { idempotencyFields, type IdempotencyKey } from './idempotency.js';

/** A new account's fields, as `register` takes them. */
export interface NewAccount {
  username: string;
  email: string;
  password: string;
  displayName: string;
}

/** An account that has just proved who it is, and its tokens. */
export interface SignedIn {
  userId: string;
  tokens: TokenPair;
}

/**
 * The auth service as one request sees it: sign-up, sign-in and tokens. None
 * of these changes what a profile shows (a new account has no cached profile
 * yet), so none invalidates one.
 */
export class AuthSource {
  constructor(private readonly api: ServiceApis['auth']) {}

  /** Creates an account and signs it in; a taken username or e-mail is CONFLICT naming `input.username` or `input.email`. */
  async register(account: NewAccount, idempotency: IdempotencyKey | null): Promise<SignedIn> {
    const { request, fields } = idempotencyFields(idempotency);
    return signedIn(await this.api.register({ ...account, ...request }, { fieldPrefix: 'input.', fields }));
  }

  /** Signs in with e-mail and password. */
  async login(email: string, password: string): Promise<SignedIn> {
    return signedIn(await this.api.login({ email, password }, { fieldPrefix: 'input.' }));
  }

  /** A new token pair for a refresh token; one that does not hold is a credential rejected (HTTP 401). */
  async refresh(refreshToken: string): Promise<SignedIn> {
    try {
      return signedIn(await this.api.refreshToken({ refreshToken }));
    } catch (error) {
      // A refused refresh token is a credential that does not hold: HTTP 401, as for a bad access token.
      if (error instanceof UnauthenticatedError) throw new CredentialRejectedError('The refresh token is not valid; sign in again.', UnauthenticatedReason.RefreshTokenInvalid, error);
      throw error;
    }
  }

  /** Signs out the refresh token's family; says whether one was signed out. */
  async logout(refreshToken: string): Promise<boolean> {
    return (await this.api.logout({ refreshToken })).revoked;
  }
}

function signedIn(reply: { userId: string; tokens: TokenPair | undefined }): SignedIn {
  if (!reply.tokens) throw new InternalServerError('The auth service returned no tokens.');
  return { userId: reply.userId, tokens: reply.tokens };
}
