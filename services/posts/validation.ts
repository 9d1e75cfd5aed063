import type { CreatePostRequest } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { invalidArgument } from '../common/errors.js';
import { hasHiddenControl, hasHiddenControlMultiline, hasVisibleCharacter } from '../common/user-text.js';
import type { NewPost } from './repository.js';

/** Most ids one batch call may name; the gateway's loaders batch below it. */
export const MAX_BATCH_IDS = 500;
/** Most authors one feed page may merge: a generous following list. */
export const MAX_FEED_AUTHORS = 5_000;
/** Most author pages one BatchListPostsByAuthor call may ask for. */
export const MAX_AUTHOR_PAGES = 100;

export const TITLE_MAX_LENGTH = 200;
export const DESCRIPTION_MAX_LENGTH = 5_000;
export const IMAGE_URL_MAX_LENGTH = 2_048;

/** `value` when it is a non-blank id, else INVALID_ARGUMENT naming `field`. */
export function requireId(value: string, field: string): string {
  if (value.trim() === '') throw invalidArgument(field, `${field} is required`);
  return value;
}

/**
 * The distinct, non-empty ids of a batch request in first-seen order.
 * INVALID_ARGUMENT when the request names more than `max`: a caller that big
 * is a bug to fix, not a load to absorb silently.
 */
export function batchIds(ids: readonly string[], field: string, max = MAX_BATCH_IDS): string[] {
  if (ids.length > max) throw invalidArgument(field, `${field} may name at most ${max} ids, got ${ids.length}`);
  return [...new Set(ids)].filter((id) => id !== '');
}

/**
 * The post to create from a request, trimmed, or INVALID_ARGUMENT naming the
 * first field at fault. Lengths count Unicode code points, as a person counts
 * characters, not UTF-16 units.
 */
export function validateNewPost(request: CreatePostRequest): Omit<NewPost, 'createdAt'> {
  const authorId = requireId(request.authorId, 'author_id');
  const title = request.title.trim();
  if (title === '') throw invalidArgument('title', 'title is required');
  if (codePoints(title) > TITLE_MAX_LENGTH) {
    throw invalidArgument('title', `title must be at most ${TITLE_MAX_LENGTH} characters`);
  }
  if (hasHiddenControl(title)) throw invalidArgument('title', 'title must not contain control or text-direction characters');
  if (!hasVisibleCharacter(title)) throw invalidArgument('title', 'title must contain a visible character');
  const description = request.description.trim();
  if (codePoints(description) > DESCRIPTION_MAX_LENGTH) {
    throw invalidArgument('description', `description must be at most ${DESCRIPTION_MAX_LENGTH} characters`);
  }
  if (hasHiddenControlMultiline(description)) {
    throw invalidArgument('description', 'description must not contain control or text-direction characters');
  }
  const imageUrl = request.imageUrl.trim();
  if (imageUrl === '') throw invalidArgument('image_url', 'image_url is required');
  if (imageUrl.length > IMAGE_URL_MAX_LENGTH) {
    throw invalidArgument('image_url', `image_url must be at most ${IMAGE_URL_MAX_LENGTH} characters`);
  }
  if (!isHttpUrl(imageUrl)) throw invalidArgument('image_url', 'image_url must be an http or https URL');
  return { authorId, title, description, imageUrl };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
