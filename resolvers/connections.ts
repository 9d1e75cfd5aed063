import type { PostPage } from '../generated/proto/pinstack/posts/v1/posts.js';
import type { UserIdPage } from '../generated/proto/pinstack/relations/v1/relations.js';
import type { Post } from '../generated/proto/pinstack/posts/v1/posts.js';
import type { UserEdgeModel } from './models.js';

/** A Relay `pageInfo` from a page's cursors. */
export function pageInfo(cursors: readonly string[], hasNextPage: boolean) {
  return { hasNextPage, endCursor: cursors.at(-1) ?? null };
}

/** A `PostConnection` from a page of posts. */
export function postConnection(page: PostPage | undefined) {
  const posts = page?.posts ?? [];
  const cursors = page?.cursors ?? [];
  return {
    edges: posts.map((node: Post, index) => ({ cursor: cursors[index] ?? '', node })),
    pageInfo: pageInfo(cursors, page?.hasNextPage ?? false),
  };
}

/** A `UserConnection` from a page of user ids; each node is loaded in one batch. */
export function userConnection(page: UserIdPage) {
  const edges: UserEdgeModel[] = page.userIds.map((userId, index) => ({ cursor: page.cursors[index] ?? '', userId }));
  return { edges, pageInfo: pageInfo(page.cursors, page.hasNextPage) };
}
