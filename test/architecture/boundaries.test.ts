import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = join(import.meta.dirname, '../..');
const RULE = 'import-x/no-restricted-paths';

/**
 * Lints `file` (a real module of the repository) as if `line` were appended to
 * it, and returns the messages of the boundary rule.
 */
async function boundaryMessages(eslint: ESLint, file: string, line: string): Promise<string[]> {
  const text = `${readFileSync(join(ROOT, file), 'utf8')}\n${line}\n`;
  const [result] = await eslint.lintText(text, { filePath: join(ROOT, file) });
  return result!.messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
}

// Each import crosses one boundary the way a hurried change would.
const CROSSINGS = [
  {
    boundary: 'platform/ imports the gateway',
    file: 'platform/addresses.ts',
    line: "export { GatewayMetrics } from '../src/telemetry/metrics.js';",
  },
  {
    boundary: 'the gateway runtime imports a service',
    file: 'src/grpc/service-apis.ts',
    line: "export { seedUsers } from '../../services/common/seed/users.js';",
  },
  {
    boundary: 'a resolver imports a service',
    file: 'resolvers/Query.ts',
    line: "export { UserService } from '../services/users/service.js';",
  },
  {
    boundary: 'a service imports the gateway',
    file: 'services/posts/service.ts',
    line: "export { formatGatewayError } from '../../src/errors/format.js';",
  },
  {
    boundary: 'a service imports another service',
    file: 'services/auth/seed.ts',
    line: "export type { UserRecord } from '../users/repository.js';",
  },
  {
    boundary: 'services/common imports a service',
    file: 'services/common/run.ts',
    line: "export type { PostRecord } from '../posts/repository.js';",
  },
  {
    boundary: 'the runtime imports a data source',
    file: 'src/overload/index.ts',
    line: "export type { Sources } from '../sources/index.js';",
  },
  {
    boundary: 'the runtime imports the resolvers',
    file: 'src/telemetry/metrics.ts',
    line: "export { resolvers } from '../../resolvers/index.js';",
  },
  {
    boundary: 'the runtime imports the schema it serves',
    file: 'src/demand-control/index.ts',
    line: "export { buildSchema } from '../schema.js';",
  },
  {
    boundary: 'a data source imports the composition root',
    file: 'src/sources/users.ts',
    line: "export { startGateway } from '../gateway.js';",
  },
  {
    boundary: 'the web client imports the gateway',
    file: 'web/src/apollo/gateway-errors.ts',
    line: "export { GatewayErrorCode } from '../../../src/errors/codes.js';",
  },
  {
    boundary: 'the web client imports platform/',
    file: 'web/src/screens/SignUp.tsx',
    line: "export { USERNAME_MAX } from '../../../platform/rules/limits.js';",
  },
];

describe('layer boundaries, as `npm run lint` enforces them', () => {
  // One linter for every case: its type-aware parser is slow to start.
  const eslint = new ESLint({ cwd: ROOT });

  for (const { boundary, file, line } of CROSSINGS) {
    it(`fails lint when ${boundary}`, async () => {
      const messages = await boundaryMessages(eslint, file, line);
      assert.equal(messages.length, 1, `expected one ${RULE} error in ${file} for: ${line}`);
    });
  }

  it('passes lint for imports that stay inside the layers: a service on platform/, a source on the runtime, the composition root on the graph, the web client on its generated operations', async () => {
    assert.deepEqual(await boundaryMessages(eslint, 'services/posts/service.ts', "export { IDENTITY_METADATA } from '../../platform/identity.js';"), []);
    assert.deepEqual(await boundaryMessages(eslint, 'src/sources/users.ts', "export { GatewayMetrics } from '../telemetry/metrics.js';"), []);
    assert.deepEqual(await boundaryMessages(eslint, 'src/request-context.ts', "export { buildSchema } from './schema.js';"), []);
    assert.deepEqual(await boundaryMessages(eslint, 'web/src/App.tsx', "export type { FeedQuery } from '../../generated/web/graphql';"), []);
  });
});
