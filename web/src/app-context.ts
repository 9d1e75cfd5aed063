import { createContext, useContext } from 'react';
import { useSession, type Session, type SessionStore } from './session';

export const SessionContext = createContext<SessionStore | null>(null);

/** The app's session store (provided once, in main.tsx). */
export function useSessionStore(): SessionStore {
  const store = useContext(SessionContext);
  if (!store) throw new Error('useSessionStore needs a SessionContext provider');
  return store;
}

/** The signed-in session, or null. */
export function useCurrentSession(): Session | null {
  return useSession(useSessionStore());
}
