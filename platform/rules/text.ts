/**
 * What text a person writes (titles, names, bios, descriptions) may hold, and
 * how it is measured. Lengths count Unicode code points, so an emoji or a CJK
 * character is one, as a person counts, not two UTF-16 units as `.length` does.
 */

/**
 * Characters that make text display as something other than what it holds:
 * control characters (NUL, escapes, C1) and the bidirectional overrides,
 * embeddings and isolates that can reverse what follows them (Trojan Source,
 * CVE-2021-42574), and the directional marks.
 */
const HIDDEN_CONTROL = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** The tab and line breaks a multi-line text (a bio, a description) may hold. */
const LINE_LAYOUT = /[\t\n\r]/g;

/**
 * Code points that count as letters or symbols yet show nothing: the Hangul
 * fillers, the blank Braille pattern, the Mongolian vowel separator.
 */
const BLANK_LOOKALIKES = /[\u115F\u1160\u180E\u2800\u3164\uFFA0]/gu;

/** Something a person can see: a letter, digit, punctuation mark or symbol. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** A UTF-16 surrogate standing alone, which encodes no character (JSON may carry one as `"\ud800"`). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether one-line text (a title, a display name) holds a control or bidirectional-override character. */
export function hasHiddenControl(text: string): boolean {
  return HIDDEN_CONTROL.test(text);
}

/** Whether multi-line text (a bio, a description) holds one, tabs and line breaks aside. */
export function hasHiddenControlMultiline(text: string): boolean {
  return HIDDEN_CONTROL.test(text.replace(LINE_LAYOUT, ''));
}

/** Whether text shows anything: not only spaces, zero-width or blank characters. */
export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE.test(text.replace(BLANK_LOOKALIKES, ''));
}

/**
 * Whether text is well-formed Unicode. A lone surrogate cannot be sent on in
 * UTF-8 (gRPC, storage), so text holding one would arrive changed.
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Length in code points: an emoji, an accented letter or a CJK character counts one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Text a person wrote, as it is stored: in Unicode NFC, so an accent typed as
 * a separate combining mark becomes the one precomposed character a person
 * sees (and counts, and searches for), then trimmed of surrounding white space.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFC').trim();
}
