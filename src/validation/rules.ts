import { z } from 'zod';
import { hasHiddenControl, hasHiddenControlMultiline, hasVisibleCharacter } from '../../services/common/user-text.js';

/** One-line text a person writes: no control or text-direction characters, and something visible. */
const oneLine = (schema: z.ZodString) =>
  schema
    .refine((value) => !hasHiddenControl(value), 'must not contain control or text-direction characters')
    .refine(hasVisibleCharacter, 'must contain a visible character');

/** Multi-line text a person writes: tabs and line breaks, but no other control or text-direction characters. */
const multiLine = (schema: z.ZodString) => schema.refine((value) => !hasHiddenControlMultiline(value), 'must not contain control or text-direction characters');

/**
 * Input rules the gateway enforces before calling any service. They mirror the
 * services' own checks, so a bad request is refused cheaply and with the
 * argument named as the client wrote it.
 */

/**
 * The most items one list argument may ask for: a page size (`first`) or a
 * list of ids. Cost estimates count no list as longer (see src/demand-control).
 */
export const MAX_LIST_ARGUMENT = 100;

/** Page sizes: `first` between 1 and 100. */
export const first = z
  .number()
  .int()
  .min(1, 'must be at least 1')
  .max(MAX_LIST_ARGUMENT, `must be at most ${MAX_LIST_ARGUMENT}`);

/** An opaque cursor from an earlier page. */
export const cursor = z.string().max(512, 'is not a valid cursor').nullish();

/** An entity id. */
export const id = z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

/** Ids looked up at once (`users(ids:)`): at most 100. */
export const ids = z.array(id).max(MAX_LIST_ARGUMENT, `at most ${MAX_LIST_ARGUMENT} ids at once`);

export const username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_]{3,30}$/, 'must be 3 to 30 letters, digits or underscores');

export const email = z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be an e-mail address'));

export const password = z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters');

export const displayName = oneLine(z.string().trim().min(1, 'must not be empty').max(50, 'must be at most 50 characters'));

export const bio = multiLine(z.string().max(500, 'must be at most 500 characters'));

/** An http(s) URL of up to 2,048 characters. */
export const httpUrl = z
  .string()
  .trim()
  .max(2_048, 'must be at most 2048 characters')
  .refine((value) => /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(value) && URL.canParse(value), 'must be an http(s) URL');

export const title = oneLine(z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'));

export const description = multiLine(z.string().max(5_000, 'must be at most 5000 characters'));

export const searchQuery = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** Arguments of a Relay-style connection field. */
export const pageArgs = z.object({ first, after: cursor });

/** An idempotency key (`clientMutationId`, `Idempotency-Key`): any text a client chooses, up to 255 characters. */
export const idempotencyKey = z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
