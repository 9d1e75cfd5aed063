/**
 * The profile cache, in one place: its keys and codec (`codec.ts`), the model
 * the `Profile` resolvers read (`model.ts`), the fill through the sources
 * (`fill.ts`), the gateway-wide cache (`cache.ts`), the per-request source
 * (`source.ts`), the invalidation hook every write calls (`invalidation.ts`)
 * and the invalidation by the domain events of writes made elsewhere (`events.ts`).
 */
export { ProfileCache, type ProfileCacheOptions } from './cache.js';
export { profileKey } from './codec.js';
export { profilesChangedBy, watchProfileChanges } from './events.js';
export { RECENT_POSTS, type ProfileReads } from './fill.js';
export type { InvalidateProfiles } from './invalidation.js';
export { partValue, type ProfileModel, type ProfilePart } from './model.js';
export { ProfilesSource } from './source.js';
