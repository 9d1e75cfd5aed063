import { UnauthenticatedError } from '../errors.js';
import type { Viewer } from './viewer.js';

/**
 * The viewer of a request that needs one. Whether a field needs a viewer is
 * decided by its permission rule (`src/permissions`), which runs first; this
 * only hands resolvers the viewer with its type narrowed, and still refuses an
 * anonymous caller should a rule ever be loosened by mistake.
 */
export function requireViewer(context: { viewer: Viewer | null }): Viewer {
  if (!context.viewer) throw new UnauthenticatedError();
  return context.viewer;
}
