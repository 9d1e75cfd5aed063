import type { Resolvers } from '../generated/graphql/resolvers-types.js';
import { DateTime } from './DateTime.js';
import { Mutation } from './Mutation.js';
import { Notification } from './Notification.js';
import { Post } from './Post.js';
import { Profile } from './Profile.js';
import { Query } from './Query.js';
import { Subscription } from './Subscription.js';
import { User, UserEdge } from './User.js';

/** Every resolver of the schema, one module per GraphQL type. */
export const resolvers: Resolvers = {
  DateTime,
  Query,
  Mutation,
  Subscription,
  User,
  UserEdge,
  Post,
  Profile,
  Notification,
};
