import type { CreatePostRequest } from '../../generated/proto/pinstack/posts/v1/posts.js';
import * as rules from '../../platform/rules/index.js';
import { checked } from '../common/validation.js';
import type { NewPost } from './repository.js';

/**
 * The posts service's edge of the shared input rules (platform/rules):
 * values to store, normalised, or INVALID_ARGUMENT naming the proto field.
 */

export { batchIds, requireId } from '../common/validation.js';
export { MAX_BATCH_IDS, MAX_FEED_AUTHORS, MAX_BATCH_PAGES as MAX_AUTHOR_PAGES } from '../../platform/rules/index.js';

/**
 * The post to create from a request, normalised, or INVALID_ARGUMENT naming
 * the first field at fault.
 */
export function validateNewPost(request: CreatePostRequest): Omit<NewPost, 'createdAt'> {
  return {
    authorId: checked(rules.id(request.authorId), 'author_id'),
    title: checked(rules.title(request.title), 'title'),
    description: checked(rules.description(request.description), 'description'),
    imageUrl: checked(rules.imageUrl(request.imageUrl), 'image_url'),
  };
}
