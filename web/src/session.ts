import { useSyncExternalStore } from 'react';

/** Who is signed in, and the tokens that prove it. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; username: string; displayName: string };
}

/**
 * The signed-in session, held in memory only: never in localStorage or a
 * cookie, where script injected into the page or another tab could read a
 * refresh token that lives for 30 days. Reloading the page signs out.
 */
export class SessionStore {
  private current: Session | null = null;
  private readonly listeners = new Set<() => void>();

  get(): Session | null {
    return this.current;
  }

  set(session: Session | null): void {
    this.current = session;
    for (const listener of this.listeners) listener();
  }

  /** Keeps the account, replaces both tokens (after `refreshToken`). */
  replaceTokens(accessToken: string, refreshToken: string): void {
    if (this.current) this.set({ ...this.current, accessToken, refreshToken });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The session of `store`, re-rendering when it changes. */
export function useSession(store: SessionStore): Session | null {
  return useSyncExternalStore(store.subscribe, () => store.get());
}
