import { ok, refuse, type Checked } from './checked.js';
import { codePointLength, hasHiddenControl, hasHiddenControlMultiline, hasVisibleCharacter, isWellFormed, normalizeText } from './text.js';

/** How a field of person-written text is bounded. */
export interface TextLimits {
  /** Most code points, after normalising. */
  readonly max: number;
  /** Whether it may be empty (an empty bio clears it); one-line fields also need something visible. */
  readonly optional?: boolean;
  /** Whether tabs and line breaks are allowed (bios, descriptions). */
  readonly multiline?: boolean;
}

/**
 * Text a person wrote (a name, a title, a bio), normalised by `normalizeText`
 * and then checked: its length in code points, no control or text-direction
 * characters, and for a one-line field something a person can see.
 */
export function personText(field: string, raw: string, limits: TextLimits): Checked<string> {
  const text = normalizeText(raw);
  if (text === '') return limits.optional ? ok(text) : refuse(field, 'must not be empty');
  if (codePointLength(text) > limits.max) return refuse(field, `must be at most ${limits.max} characters`);
  if (!isWellFormed(text)) return refuse(field, 'must be well-formed Unicode text');
  if (limits.multiline ? hasHiddenControlMultiline(text) : hasHiddenControl(text)) {
    return refuse(field, 'must not contain control or text-direction characters');
  }
  // A multi-line text of blank lines is still blank, but an empty bio is allowed, and one
  // of only spaces trims to empty: the visible-character rule is for names and titles.
  if (!limits.multiline && !hasVisibleCharacter(text)) return refuse(field, 'must contain a visible character');
  return ok(text);
}

/** Opaque text a client or service chose (an id, a key), trimmed and bounded in code points. */
export function opaqueText(field: string, raw: string, max: number): Checked<string> {
  const text = raw.trim();
  if (text === '') return refuse(field, 'must not be empty');
  if (codePointLength(text) > max) return refuse(field, `must be at most ${max} characters`);
  return ok(text);
}
