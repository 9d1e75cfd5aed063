import { Post } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { User } from '../../generated/proto/pinstack/users/v1/users.js';
import type { ProfileModel } from '../../resolvers/models.js';

/** The store key of a profile; the braces are a Cluster hash tag, so the key and its version share a slot. */
export function profileKey(userId: string): string {
  return `profile:{${userId}}`;
}

/**
 * A user as a profile may hold it: owner-only fields blanked, so neither the
 * cache nor a viewer sharing a fill ever sees them.
 */
export function withoutPrivateFields(user: User): User {
  return { ...user, email: '' };
}

interface StoredProfile {
  user: unknown;
  recentPosts: unknown[];
  followersCount: number;
  followingCount: number;
  recommendations: unknown[];
}

/**
 * The stored form of a profile (proto JSON, which keeps timestamps), or null
 * when part of it failed: a degraded profile is served, never cached.
 */
export function encodeProfile(profile: ProfileModel): string | null {
  const { recentPosts, followStats, recommendations } = profile;
  if (recentPosts instanceof Error || followStats instanceof Error || recommendations instanceof Error) return null;
  const stored: StoredProfile = {
    user: User.toJSON(withoutPrivateFields(profile.user)),
    recentPosts: recentPosts.map((post) => Post.toJSON(post)),
    followersCount: followStats.followersCount,
    followingCount: followStats.followingCount,
    recommendations: recommendations.map((user) => User.toJSON(withoutPrivateFields(user))),
  };
  return JSON.stringify(stored);
}

export function decodeProfile(stored: string): ProfileModel {
  const parsed = JSON.parse(stored) as StoredProfile;
  if (!parsed.user || !Array.isArray(parsed.recentPosts) || !Array.isArray(parsed.recommendations)) {
    throw new Error('a stored profile lacks user, recentPosts or recommendations');
  }
  return {
    user: User.fromJSON(parsed.user),
    recentPosts: parsed.recentPosts.map((post) => Post.fromJSON(post)),
    followStats: { followersCount: Number(parsed.followersCount), followingCount: Number(parsed.followingCount) },
    recommendations: parsed.recommendations.map((user) => User.fromJSON(user)),
  };
}
