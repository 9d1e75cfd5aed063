import { join } from 'node:path';
import { ROOT } from '../../scripts/stack.mjs';

/** The web client's trusted-documents manifest, generated from its operations by `npm run codegen`. */
export const TRUSTED_MANIFEST = join(ROOT, 'generated', 'web', 'persisted-documents.json');
