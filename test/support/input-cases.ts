import {
  DESCRIPTION_MAX_LENGTH,
  DISPLAY_NAME_MAX_LENGTH,
  BIO_MAX_LENGTH,
  CURSOR_MAX_LENGTH,
  ID_MAX_LENGTH,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  MAX_BATCH_IDS,
  MAX_PAGE_SIZE,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  REFRESH_TOKEN_MAX_LENGTH,
  SEARCH_QUERY_MAX_LENGTH,
  TITLE_MAX_LENGTH,
  URL_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
  type FIELD_RULES,
  type FieldRuleName,
} from '../../platform/rules/index.js';

/**
 * One table of input cases for every shared rule (platform/rules),
 * used three times: against the rules themselves (test/rules), through the
 * gateway over HTTP (test/gateway/input-rules.test.ts) and through the
 * services over gRPC (test/services/input-rules.test.ts). Each edge must
 * accept exactly the cases marked accepted, with the value given, and refuse
 * the others naming the field.
 *
 * Lengths are written as code points: `'📌'.repeat(50)` is 50 characters
 * (100 UTF-16 units), which is why several cases used to split the gateway
 * (which counted UTF-16 units) from the services (which counted code points).
 */

/** What an edge must do with a case: refuse it, or accept it and use `value`. */
export type Outcome<O> = { readonly accepted: true; readonly value: O } | { readonly accepted: false };

export interface InputCase<I, O> {
  /** What the case shows, for the test's name. */
  readonly name: string;
  readonly input: I;
  readonly outcome: Outcome<O>;
  /**
   * False for a value gRPC cannot carry unchanged: a lone surrogate becomes
   * U+FFFD in UTF-8, so the service never sees what the gateway refused.
   */
  readonly grpc?: boolean;
  /** True for a well-formed id that names nothing: the service looks it up and answers NOT_FOUND. */
  readonly namesNothing?: boolean;
}

type RuleInput<K extends FieldRuleName> = Parameters<(typeof FIELD_RULES)[K]>[0];
type RuleOutput<K extends FieldRuleName> = Extract<ReturnType<(typeof FIELD_RULES)[K]>, { ok: true }>['value'];

/** The cases of every rule; the type makes a rule without cases a compile error. */
export type InputCaseTable = { readonly [K in FieldRuleName]: readonly InputCase<RuleInput<K>, RuleOutput<K>>[] };

function accept<I, O>(name: string, input: I, value: O): InputCase<I, O> {
  return { name, input, outcome: { accepted: true, value } };
}

function refuse<I>(name: string, input: I, options: { grpc?: boolean } = {}): InputCase<I, never> {
  return { name, input, outcome: { accepted: false }, ...options };
}

/** `input` accepted as it is. */
function keep<I>(name: string, input: I): InputCase<I, I> {
  return accept(name, input, input);
}

/** `text` of exactly `length` code points, from `unit` (one code point) repeated. */
const chars = (unit: string, length: number): string => unit.repeat(length);

/**
 * An address of exactly `length` (>= 200) characters: a 64-character local
 * part and labels of at most 63, as real addresses are built.
 */
function addressOfLength(length: number): string {
  const local = 'a'.repeat(64);
  const rest = length - local.length - 1 - 'example.com'.length;
  const labels: string[] = [];
  for (let left = rest; left > 0; left -= 64) labels.push('b'.repeat(Math.min(63, left - 1)));
  return `${local}@${labels.join('.')}.example.com`;
}

/** An https URL of exactly `length` characters, its path made of `unit`. */
const urlOfLength = (length: number, unit = 'a') => `https://example.com/${chars(unit, length - 'https://example.com/'.length)}`;

const HIDDEN = {
  bell: 'bell\u0007',
  nul: 'a\u0000b',
  rightToLeftOverride: 'invoice\u202Egnp.exe',
  blankHangulAndZeroWidth: '\u3164\u200B',
  loneSurrogate: 'broken \uD83D half',
};

const URL_CASES = [
  keep('an https URL', 'https://cdn.example.org/me.png'),
  keep('an http URL in capitals, kept as written', 'HTTP://EXAMPLE.COM/ME.PNG'),
  accept('surrounding spaces, trimmed', '  https://cdn.example.org/me.png \n', 'https://cdn.example.org/me.png'),
  keep('a non-ASCII host and path', 'https://例え.jp/画像.png'),
  keep('a percent-encoded space', 'https://example.com/a%20b.png'),
  keep(`exactly ${URL_MAX_LENGTH} characters`, urlOfLength(URL_MAX_LENGTH)),
  keep(`exactly ${URL_MAX_LENGTH} characters, emoji in the path`, urlOfLength(URL_MAX_LENGTH, '📷')),
  refuse(`${URL_MAX_LENGTH + 1} characters`, urlOfLength(URL_MAX_LENGTH + 1)),
  refuse('a javascript: URL', 'javascript:alert(1)'),
  refuse('a data: URL', 'data:image/png;base64,AAAA'),
  refuse('an ftp URL', 'ftp://example.com/a.png'),
  refuse('not a URL', 'not a url'),
  refuse('a protocol-relative URL', '//example.com/a.png'),
  refuse('https: without slashes', 'https:example.com/a.png'),
  refuse('https: with backslashes', 'https:\\\\example.com\\a.png'),
  refuse('a space inside', 'https://example.com/a b.png'),
  refuse('a space in the host', 'https://exa mple.com/'),
  refuse('no host', 'https://'),
  refuse('a right-to-left override inside', 'https://example.com/\u202Egnp.exe'),
] as const;

export const INPUT_CASES: InputCaseTable = {
  username: [
    keep('letters, digits and an underscore', 'maker_01'),
    keep('mixed case, kept', 'MixedCase'),
    accept('surrounding spaces, trimmed', '  padded_name \t', 'padded_name'),
    keep(`exactly ${USERNAME_MIN_LENGTH} characters`, 'abc'),
    keep(`exactly ${USERNAME_MAX_LENGTH} characters`, chars('u', USERNAME_MAX_LENGTH)),
    refuse(`${USERNAME_MIN_LENGTH - 1} characters`, 'ab'),
    refuse(`${USERNAME_MAX_LENGTH + 1} characters`, chars('u', USERNAME_MAX_LENGTH + 1)),
    refuse('an accented letter', 'josé_maker'),
    refuse('an emoji', 'maker_😀'),
    refuse('CJK characters', '名前_maker'),
    refuse('a space inside', 'two words'),
    refuse('a hyphen', 'dash-name'),
    refuse('empty', ''),
  ],
  email: [
    keep('a plain address', 'person@example.com'),
    accept('mixed case and surrounding spaces: trimmed, lower case', '  Person.Name+Tag@Example.COM ', 'person.name+tag@example.com'),
    keep('an xn-- domain (an internationalised one, as DNS spells it)', 'user@xn--r8jz45g.jp'),
    keep('exactly 254 characters', addressOfLength(254)),
    refuse('255 characters', addressOfLength(255)),
    refuse('no @', 'not-an-email'),
    refuse('two @', 'two@@example.com'),
    refuse('no dot in the domain', 'no-dot@example'),
    refuse('doubled dot in the local part', 'a..b@example.com'),
    refuse('leading dot in the local part', '.a@example.com'),
    refuse('trailing dot in the local part', 'a.@example.com'),
    refuse('a domain label starting with a hyphen', 'a@-example.com'),
    refuse('an empty domain label', 'a@example..com'),
    refuse('a quoted local part', '"quoted"@example.com'),
    refuse('an accented local part', 'josé@example.com'),
    refuse('an accented domain', 'user@exämple.com'),
    refuse('a CJK domain', 'user@例え.jp'),
    refuse('a space inside', 'a b@example.com'),
    refuse('a right-to-left override', 'user@example.com\u202E'),
    refuse('empty', ''),
  ],
  password: [
    keep('a passphrase', 'correct horse battery'),
    keep(`exactly ${PASSWORD_MIN_LENGTH} characters`, 'abcdefgh'),
    keep('surrounding spaces, kept: they may be part of it', '  spaced passphrase  '),
    keep(`${PASSWORD_MIN_LENGTH} emoji (${PASSWORD_MIN_LENGTH * 2} UTF-16 units)`, chars('🔑', PASSWORD_MIN_LENGTH)),
    keep('accented letters', 'pässwörd'),
    keep(`exactly ${PASSWORD_MAX_LENGTH} emoji (${PASSWORD_MAX_LENGTH * 2} UTF-16 units)`, chars('🔑', PASSWORD_MAX_LENGTH)),
    refuse(`${PASSWORD_MIN_LENGTH - 1} characters`, 'abcdefg'),
    refuse(`${PASSWORD_MIN_LENGTH / 2} emoji (${PASSWORD_MIN_LENGTH} UTF-16 units)`, chars('🔑', PASSWORD_MIN_LENGTH / 2)),
    refuse(`${PASSWORD_MAX_LENGTH + 1} characters`, chars('p', PASSWORD_MAX_LENGTH + 1)),
  ],
  signInEmail: [
    accept('mixed case and surrounding spaces: trimmed, lower case', '  User1@Example.COM ', 'user1@example.com'),
    keep('anything of the right size: no pattern', 'not-an-email'),
    keep('exactly 254 characters', addressOfLength(254)),
    refuse('255 characters', addressOfLength(255)),
    refuse('blank', '   '),
    refuse('empty', ''),
  ],
  signInPassword: [
    keep('any password, even a short one', 'x'),
    keep('surrounding spaces, kept', ' spaced '),
    keep(`exactly ${PASSWORD_MAX_LENGTH} emoji`, chars('🔑', PASSWORD_MAX_LENGTH)),
    refuse(`${PASSWORD_MAX_LENGTH + 1} emoji`, chars('🔑', PASSWORD_MAX_LENGTH + 1)),
    refuse('empty', ''),
  ],
  refreshToken: [
    keep('a token', 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5'),
    keep(`exactly ${REFRESH_TOKEN_MAX_LENGTH} characters`, chars('t', REFRESH_TOKEN_MAX_LENGTH)),
    refuse(`${REFRESH_TOKEN_MAX_LENGTH + 1} characters`, chars('t', REFRESH_TOKEN_MAX_LENGTH + 1)),
    refuse('empty', ''),
  ],
  displayName: [
    keep('a plain name', 'Ada Lovelace'),
    accept('surrounding spaces, trimmed', '  Ada  ', 'Ada'),
    keep('accents', 'Zoë Ångström'),
    accept('a combining diaeresis, composed (NFC)', 'Zoe\u0308', 'Zoë'),
    keep('CJK', '山田太郎'),
    keep('an emoji family (7 code points)', '👩‍👩‍👧‍👦'),
    keep(`exactly ${DISPLAY_NAME_MAX_LENGTH} characters`, chars('x', DISPLAY_NAME_MAX_LENGTH)),
    keep(`exactly ${DISPLAY_NAME_MAX_LENGTH} emoji (astral: ${DISPLAY_NAME_MAX_LENGTH * 2} UTF-16 units)`, chars('📌', DISPLAY_NAME_MAX_LENGTH)),
    accept(
      `${DISPLAY_NAME_MAX_LENGTH} accented letters typed with combining marks, counted once composed`,
      chars('e\u0301', DISPLAY_NAME_MAX_LENGTH),
      chars('é', DISPLAY_NAME_MAX_LENGTH),
    ),
    refuse(`${DISPLAY_NAME_MAX_LENGTH + 1} characters`, chars('x', DISPLAY_NAME_MAX_LENGTH + 1)),
    refuse(`${DISPLAY_NAME_MAX_LENGTH + 1} emoji`, chars('📌', DISPLAY_NAME_MAX_LENGTH + 1)),
    refuse(`${DISPLAY_NAME_MAX_LENGTH + 1} CJK characters`, chars('山', DISPLAY_NAME_MAX_LENGTH + 1)),
    refuse('empty', ''),
    refuse('blank', '   '),
    refuse('a control character', HIDDEN.bell),
    refuse('a right-to-left override', HIDDEN.rightToLeftOverride),
    refuse('nothing visible (Hangul filler, zero-width space)', HIDDEN.blankHangulAndZeroWidth),
    refuse('a lone combining mark', '\u0301'),
    refuse('a line break', 'two\nlines'),
    refuse('a lone surrogate', HIDDEN.loneSurrogate, { grpc: false }),
  ],
  bio: [
    keep('empty: clears the bio', ''),
    accept('blank: trimmed to empty, clears the bio', '   ', ''),
    accept('surrounding spaces and line breaks, trimmed', '\n  Ceramics, mostly.  \n', 'Ceramics, mostly.'),
    keep('line breaks and tabs inside', 'Line one\nLine two\tTabbed'),
    accept('a decomposed accent, composed (NFC)', 'Cafe\u0301 owner', 'Café owner'),
    keep(`exactly ${BIO_MAX_LENGTH} emoji`, chars('🎨', BIO_MAX_LENGTH)),
    refuse(`${BIO_MAX_LENGTH + 1} characters`, chars('b', BIO_MAX_LENGTH + 1)),
    refuse(`${BIO_MAX_LENGTH + 1} emoji`, chars('🎨', BIO_MAX_LENGTH + 1)),
    refuse('a control character', HIDDEN.bell),
    refuse('a right-to-left override', HIDDEN.rightToLeftOverride),
  ],
  avatarUrl: [
    keep('empty: removes the avatar', ''),
    accept('blank: trimmed to empty, removes the avatar', '   ', ''),
    ...URL_CASES,
  ],
  searchQuery: [
    keep('a prefix', 'quill'),
    accept('surrounding spaces, trimmed', '  quill ', 'quill'),
    accept('a combining diaeresis, composed (NFC) like the names it matches', 'Zoe\u0308', 'Zoë'),
    keep(`exactly ${SEARCH_QUERY_MAX_LENGTH} emoji`, chars('🔍', SEARCH_QUERY_MAX_LENGTH)),
    refuse(`${SEARCH_QUERY_MAX_LENGTH + 1} characters`, chars('q', SEARCH_QUERY_MAX_LENGTH + 1)),
    refuse('blank', '   '),
    refuse('empty', ''),
  ],
  title: [
    keep('a plain title', 'A title'),
    accept('surrounding spaces, trimmed', '  Fresh pin  ', 'Fresh pin'),
    accept('decomposed accents, composed (NFC)', 'Cre\u0300me bru\u0302le\u0301e', 'Crème brûlée'),
    keep('CJK and emoji', '京都の紅葉 🍁'),
    keep(`exactly ${TITLE_MAX_LENGTH} emoji`, chars('📌', TITLE_MAX_LENGTH)),
    refuse(`${TITLE_MAX_LENGTH + 1} characters`, chars('x', TITLE_MAX_LENGTH + 1)),
    refuse(`${TITLE_MAX_LENGTH + 1} emoji`, chars('📌', TITLE_MAX_LENGTH + 1)),
    refuse('blank', '   '),
    refuse('a NUL', HIDDEN.nul),
    refuse('a right-to-left override', HIDDEN.rightToLeftOverride),
    refuse('zero-width spaces only', '\u200B\u200B'),
    refuse('a line break', 'two\nlines'),
  ],
  description: [
    keep('empty', ''),
    accept('surrounding spaces, trimmed', ' Notes ', 'Notes'),
    keep('line breaks inside', 'First line\nSecond line'),
    keep(`exactly ${DESCRIPTION_MAX_LENGTH} emoji`, chars('🌸', DESCRIPTION_MAX_LENGTH)),
    refuse(`${DESCRIPTION_MAX_LENGTH + 1} characters`, chars('d', DESCRIPTION_MAX_LENGTH + 1)),
    refuse('a NUL', HIDDEN.nul),
    refuse('a right-to-left override', HIDDEN.rightToLeftOverride),
  ],
  imageUrl: [refuse('empty', ''), refuse('blank', '   '), ...URL_CASES],
  id: [
    keep('an id', 'pst_1'),
    accept('surrounding spaces, trimmed', '  pst_2 ', 'pst_2'),
    { ...keep(`exactly ${ID_MAX_LENGTH} characters (names nothing)`, chars('i', ID_MAX_LENGTH)), namesNothing: true },
    refuse(`${ID_MAX_LENGTH + 1} characters`, chars('i', ID_MAX_LENGTH + 1)),
    refuse('blank', '   '),
    refuse('empty', ''),
  ],
  idList: [
    keep('no ids', []),
    accept('ids, each trimmed', ['usr_1', ' usr_2 '], ['usr_1', 'usr_2']),
    refuse('a blank id among them', ['usr_1', '  ']),
    refuse(`more than ${MAX_BATCH_IDS} ids`, Array.from({ length: MAX_BATCH_IDS + 1 }, (_, i) => `usr_${i + 1}`)),
  ],
  pageSize: [
    keep('one', 1),
    keep(`exactly ${MAX_PAGE_SIZE}`, MAX_PAGE_SIZE),
    refuse(`${MAX_PAGE_SIZE + 1}`, MAX_PAGE_SIZE + 1),
    refuse('negative', -1),
    // 0 is not here: proto3 cannot tell it from "not set", so a service reads
    // it as the default page, while GraphQL `first: 0` is refused.
  ],
  cursor: [
    keep('none: the first page', ''),
    refuse(`${CURSOR_MAX_LENGTH + 1} characters`, chars('c', CURSOR_MAX_LENGTH + 1)),
  ],
  idempotencyKey: [
    keep('a key', 'key-one'),
    accept('surrounding spaces, trimmed', '  key-two  ', 'key-two'),
    keep(`exactly ${IDEMPOTENCY_KEY_MAX_LENGTH} emoji`, chars('🔑', IDEMPOTENCY_KEY_MAX_LENGTH)),
    refuse(`${IDEMPOTENCY_KEY_MAX_LENGTH + 1} characters`, chars('k', IDEMPOTENCY_KEY_MAX_LENGTH + 1)),
    refuse('blank', '   '),
  ],
};
