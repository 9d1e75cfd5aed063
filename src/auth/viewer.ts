/** The caller of a request, as established by a verified access token. */
export interface Viewer {
  /** The user id (`sub`). */
  id: string;
  /**
   * When the token's account was created, in ms since the epoch (the
   * `account_created_at` claim). With `id` it names one account: a token is
   * good only for the account whose `created_at` this is.
   */
  accountCreatedAt: number;
  roles: readonly string[];
  scopes: readonly string[];
}
