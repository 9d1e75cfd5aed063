/**
 * What resolvers of types without a proto message of their own receive (see
 * `mappers` in codegen.ts). A `Profile` is the profile cache's model,
 * `ProfileModel` in src/sources/profiles/model.ts.
 */

/** An edge of a user list: relations answers ids, `node` loads the user. */
export interface UserEdgeModel {
  cursor: string;
  userId: string;
}
