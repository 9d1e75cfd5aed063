import { z } from 'zod';
import * as input from '../../platform/rules/index.js';
import type { Checked } from '../../platform/rules/index.js';

/**
 * The gateway's edge of the shared input rules (platform/rules): zod
 * parses the shape of a resolver's arguments, and every field goes through the
 * one rule the services apply too, so a value the gateway lets through is one
 * the service accepts, normalised the same way. The rule's message becomes the
 * zod issue; `parseArgs` reports it as BAD_USER_INPUT naming the argument path.
 *
 * No limit or pattern is written here: each comes from the shared module.
 */

/** A rule's answer inside a zod transform: the normalised value, or an issue (at `index` within a list). */
function settle<T>(result: Checked<T>, ctx: z.RefinementCtx): T {
  if (result.ok) return result.value;
  const { message, index } = result.violation;
  ctx.addIssue({ code: 'custom', message, path: index === undefined ? [] : [index] });
  return z.NEVER;
}

/** A string argument checked and normalised by `rule`. */
function textRule<T>(rule: (raw: string) => Checked<T>) {
  return z.string().transform((value, ctx) => settle(rule(value), ctx));
}

/**
 * The most items one list argument may ask for: a page size (`first`) or a
 * list of ids. Cost estimates count no list as longer (see src/demand-control).
 */
export const MAX_LIST_ARGUMENT = input.MAX_PAGE_SIZE;

/** Page sizes: `first` between 1 and 100. */
export const first = z.number().transform((value, ctx) => settle(input.pageSize(value, MAX_LIST_ARGUMENT), ctx));

/** An opaque cursor from an earlier page. */
export const cursor = textRule(input.cursor).nullish();

/** An entity id, trimmed. */
export const id = textRule(input.id);

/** Ids looked up at once (`users(ids:)`): at most 100. */
export const ids = z.array(z.string()).transform((value, ctx) => settle(input.idList(value, MAX_LIST_ARGUMENT), ctx));

/** Notifications marked read at once: as many as the service takes in one call. */
export const notificationIds = z.array(z.string()).transform((value, ctx) => settle(input.idList(value, input.MAX_BATCH_IDS), ctx));

export const username = textRule(input.username);

/** A new account's address, in lower case. */
export const email = textRule(input.email);

export const password = textRule(input.password);

/** A sign-in's address, in lower case; its size only, so no account is locked out by a pattern. */
export const signInEmail = textRule(input.signInEmail);

export const signInPassword = textRule(input.signInPassword);

export const refreshToken = textRule(input.refreshToken);

export const displayName = textRule(input.displayName);

export const bio = textRule(input.bio);

/** An http(s) URL, or empty to remove the avatar. */
export const avatarUrl = textRule(input.avatarUrl);

export const title = textRule(input.title);

export const description = textRule(input.description);

/** A post's image: an http(s) URL. */
export const imageUrl = textRule(input.imageUrl);

export const searchQuery = textRule(input.searchQuery);

/** Arguments of a Relay-style connection field. */
export const pageArgs = z.object({ first, after: cursor });

/** An idempotency key (`clientMutationId`, `Idempotency-Key`): any text a client chooses, trimmed. */
export const idempotencyKey = textRule(input.idempotencyKey);
