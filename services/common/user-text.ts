/**
 * What text a person writes may hold. Moved to the shared input rules
 * (`./rules/text.ts`), which the gateway and every service use; this module
 * only keeps the old import path working.
 */
export { hasHiddenControl, hasHiddenControlMultiline, hasVisibleCharacter } from './rules/index.js';
