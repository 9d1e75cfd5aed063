import { graphql } from '../../../generated/web';
import type { SignedInFragment } from '../../../generated/web/graphql';
import { navigate } from '../router';
import type { SessionStore } from '../session';

/** What signing in and signing up both answer with: the tokens, and the account they are for. */
export const SignedInFragmentDoc = graphql(`
  fragment SignedIn on AuthPayload {
    accessToken
    refreshToken
    user {
      id
      username
      displayName
    }
  }
`);

/** Starts the session `payload` opens and goes to the feed. */
export function startSession(session: SessionStore, payload: SignedInFragment): void {
  session.set({ accessToken: payload.accessToken, refreshToken: payload.refreshToken, user: payload.user });
  navigate('/');
}
