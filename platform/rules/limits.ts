/**
 * Every limit on input, once. Lengths are in Unicode code points (see
 * `codePointLength`), the way a person counts characters. The gateway, the
 * services and the schema descriptions all quote these numbers; a limit that
 * changes here changes at both edges.
 */

/** Usernames: 3 to 30 ASCII letters, digits or underscores. */
export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 30;

/** RFC 5321 (4.5.3.1.3) limits a forward path to 256 octets, so an address to 254; addresses are ASCII, so octets are code points. */
export const EMAIL_MAX_LENGTH = 254;

/** Passwords: 8 to 128 characters, nothing trimmed (NIST SP 800-63B 5.1.1.2 asks for at least 64 allowed). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export const DISPLAY_NAME_MAX_LENGTH = 50;
export const BIO_MAX_LENGTH = 500;
export const TITLE_MAX_LENGTH = 200;
export const DESCRIPTION_MAX_LENGTH = 5_000;
/** Avatar and image URLs. */
export const URL_MAX_LENGTH = 2_048;
export const SEARCH_QUERY_MAX_LENGTH = 100;

/** Ids are opaque (`usr_1`, `pst_<UUIDv7>`), but not unbounded. */
export const ID_MAX_LENGTH = 64;
/** Idempotency keys (`clientMutationId`, `Idempotency-Key`, `idempotency_key`): any text a client chooses. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** Page cursors are opaque; the ones the services issue are far shorter. */
export const CURSOR_MAX_LENGTH = 512;
/** Refresh tokens are 43 base64url characters; the bound only keeps junk out of the auth service. */
export const REFRESH_TOKEN_MAX_LENGTH = 512;

/** The page size when a request sets none (proto3 `page_size: 0`, GraphQL `first` left out). */
export const DEFAULT_PAGE_SIZE = 20;
/**
 * The largest page a client may ask for (`first`, `page_size`), and the most
 * ids one GraphQL list argument may name (`users(ids:)`). Cost estimates count
 * no list as longer (see src/demand-control).
 */
export const MAX_PAGE_SIZE = 100;
/** The largest page of accounts a user follows: the gateway reads a whole following list to assemble a feed. */
export const MAX_FOLLOWING_PAGE_SIZE = 1_000;

/** Most ids one batch call may name (BatchGetUsers, BatchGetPosts, MarkRead, ...); the gateway's loaders batch below it. */
export const MAX_BATCH_IDS = 500;
/** Most page requests one batch listing call may carry (BatchListPostsByAuthor, BatchListFollowers, ...). */
export const MAX_BATCH_PAGES = 100;
/** Most authors one feed page may merge (the most recently followed): a generous following list. */
export const MAX_FEED_AUTHORS = 5_000;
