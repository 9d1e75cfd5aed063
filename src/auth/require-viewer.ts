import { UnauthenticatedError } from '../errors.js';
import type { Viewer } from './viewer.js';

/** The viewer of a request that needs one; UNAUTHENTICATED for an anonymous caller. */
export function requireViewer(context: { viewer: Viewer | null }): Viewer {
  if (!context.viewer) throw new UnauthenticatedError();
  return context.viewer;
}
