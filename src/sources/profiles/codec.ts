import { Post } from '../../../generated/proto/pinstack/posts/v1/posts.js';
import { User } from '../../../generated/proto/pinstack/users/v1/users.js';
import type { ProfileModel } from './model.js';

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
  recentLikesCounts: Record<string, number>;
  followersCount: number;
  followingCount: number;
  recommendations: unknown[];
}

/**
 * The stored form of a profile (proto JSON, which keeps timestamps), or null
 * when part of it failed: a degraded profile is served, never cached.
 */
export function encodeProfile(profile: ProfileModel): string | null {
  const { recentPosts, recentLikesCounts, followStats, recommendations } = profile;
  if (!recentPosts.ok || !recentLikesCounts.ok || !followStats.ok || !recommendations.ok) return null;
  const stored: StoredProfile = {
    user: User.toJSON(withoutPrivateFields(profile.user)),
    recentPosts: recentPosts.value.map((post) => Post.toJSON(post)),
    recentLikesCounts: recentLikesCounts.value,
    followersCount: followStats.value.followersCount,
    followingCount: followStats.value.followingCount,
    recommendations: recommendations.value.map((user) => User.toJSON(withoutPrivateFields(user))),
  };
  return JSON.stringify(stored);
}

/** A profile from its stored form; throws when the entry is not one (written by an incompatible build), which the cache reads as a miss. */
export function decodeProfile(stored: string): ProfileModel {
  const parsed = JSON.parse(stored) as StoredProfile;
  if (!parsed.user || !Array.isArray(parsed.recentPosts) || !Array.isArray(parsed.recommendations) || typeof parsed.recentLikesCounts !== 'object' || parsed.recentLikesCounts === null) {
    throw new Error('a stored profile lacks user, recentPosts, recentLikesCounts or recommendations');
  }
  return {
    user: User.fromJSON(parsed.user),
    recentPosts: { ok: true, value: parsed.recentPosts.map((post) => Post.fromJSON(post)) },
    recentLikesCounts: { ok: true, value: parsed.recentLikesCounts },
    followStats: { ok: true, value: { followersCount: Number(parsed.followersCount), followingCount: Number(parsed.followingCount) } },
    recommendations: { ok: true, value: parsed.recommendations.map((user) => User.fromJSON(user)) },
  };
}
