import { invalidArgument } from '../common/errors.js';
import { decodeCursor, encodeCursor } from '../common/pagination.js';
import type { PostPosition } from './repository.js';

/** The opaque cursor of a post in any newest-first listing. */
export function postCursor(post: PostPosition): string {
  return encodeCursor([post.createdAt, post.id]);
}

/** The position a page token continues after; null for the first page. */
export function positionFromToken(token: string, field = 'page_token'): PostPosition | null {
  const key = decodeCursor(token, 2, field);
  if (key === null) return null;
  const [createdAt, id] = key;
  if (typeof createdAt !== 'number' || typeof id !== 'string') {
    throw invalidArgument(field, `${field} is not a valid cursor`);
  }
  return { createdAt, id };
}
