import { ok, refuse, type Checked } from './checked.js';
import { CURSOR_MAX_LENGTH, ID_MAX_LENGTH, IDEMPOTENCY_KEY_MAX_LENGTH, MAX_PAGE_SIZE } from './limits.js';
import { opaqueText } from './person-text.js';
import { codePointLength } from './text.js';

/** An entity id (`usr_1`, `pst_<UUIDv7>`): opaque, trimmed, 1 to 64 characters. */
export function id(raw: string): Checked<string> {
  return opaqueText('id', raw, ID_MAX_LENGTH);
}

/**
 * Ids named at once (`users(ids:)`, MarkRead's `ids`): at most `max`, each an
 * `id`. A bad entry's violation carries its position.
 */
export function idList(raw: readonly string[], max: number): Checked<string[]> {
  if (raw.length > max) return refuse('ids', `may name at most ${max} ids, got ${raw.length}`);
  const ids: string[] = [];
  for (const [index, entry] of raw.entries()) {
    const checked = id(entry);
    if (!checked.ok) return refuse('ids', checked.violation.message, index);
    ids.push(checked.value);
  }
  return ok(ids);
}

/** A page size a client asked for: a whole number from 1 to `max`. */
export function pageSize(requested: number, max: number = MAX_PAGE_SIZE): Checked<number> {
  if (!Number.isInteger(requested) || requested < 1 || requested > max) {
    return refuse('pageSize', `must be a whole number from 1 to ${max}`);
  }
  return ok(requested);
}

/**
 * A cursor from an earlier page, as sent: opaque, so neither trimmed nor read
 * here (the service that issued it decodes it); empty means the first page.
 */
export function cursor(raw: string): Checked<string> {
  if (codePointLength(raw) > CURSOR_MAX_LENGTH) return refuse('cursor', 'is not a valid cursor');
  return ok(raw);
}

/** An idempotency key a client chose: any text, trimmed, 1 to 255 characters. */
export function idempotencyKey(raw: string): Checked<string> {
  return opaqueText('idempotencyKey', raw, IDEMPOTENCY_KEY_MAX_LENGTH);
}
