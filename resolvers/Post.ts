import type { PostResolvers } from '../generated/graphql/resolvers-types.js';
import { InternalServerError } from '../src/errors.js';

/** Post fields: the post comes from posts; its author from users; likes from posts' like stats. */
export const Post: PostResolvers = {
  author: async (post, _args, context) => {
    const author = await context.sources.users.byId(post.authorId);
    // A post whose author is gone: the author field is non-null, so the post itself is nulled.
    if (!author) throw new InternalServerError(`The author of post ${post.id} could not be found.`);
    return author;
  },
  createdAt: (post) => {
    if (!post.createdAt) throw new InternalServerError('A post came without its creation time.');
    return post.createdAt;
  },
  likesCount: (post, _args, context) => context.sources.posts.likesCount(post.id),
  likedByViewer: (post, _args, context) => context.sources.posts.likedByViewer(post.id),
};
