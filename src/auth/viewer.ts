/** The caller of a request, as established by a verified access token. */
export interface Viewer {
  /** The user id (`sub`). */
  id: string;
  roles: readonly string[];
  scopes: readonly string[];
}
