import { join } from 'node:path';
import { ROOT } from '../../scripts/stack.mjs';

/** Debian's Chromium (`apt-get install chromium`): the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a build machine: no sandbox (containers
 * lack the namespaces it needs), no GPU, and nothing that reaches out to the
 * internet on its own (updates, sync, QUIC probes).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

/** Where browser tests keep their screenshots (git-ignored). */
export const E2E_ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
