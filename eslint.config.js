import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

/** The reference services: every folder of `services/` but `common/`, so a new one is covered once it exists. */
const SERVICES = readdirSync(join(import.meta.dirname, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'common')
  .map((entry) => entry.name);

/** The gateway reaches the services over gRPC alone. */
const GATEWAY_NOT_SERVICES = {
  target: ['./src', './resolvers'],
  from: './services',
  message: 'The gateway talks to the services through proto/ and generated/ only; code both use belongs in platform/.',
};

/** Where the runtime and the graph layer are joined: the only runtime modules that import the graph. */
const COMPOSITION_ROOT = ['./src/main.ts', './src/gateway.ts', './src/request-context.ts'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'generated/', 'web/dist/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    settings: {
      // `import-x/no-cycle` follows only imports that it can resolve to a file it
      // may parse, and silently checks nothing otherwise: the first three
      // settings let it parse `.ts` files, and the resolver maps `./x.js` to
      // `./x.ts` the way tsc does under NodeNext.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          alwaysTryTypes: true,
          noWarnOnMultipleProjects: true,
          project: [`${import.meta.dirname}/tsconfig.json`, `${import.meta.dirname}/web/tsconfig.json`],
        }),
      ],
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test tracks the promises that describe() and it() return;
          // awaiting them at the top of a test file is neither needed nor usual.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
        },
      ],
      'import-x/no-cycle': 'error',
    },
  },
  // Boundaries between layers, from the bottom: `platform/` (what the gateway and
  // the services share), the services, the gateway runtime (`src/<concern>/`),
  // and the graph layer on top (schema, resolvers, sources, permissions). A
  // layer imports only those below it; only the composition root (`src/main.ts`,
  // `src/gateway.ts`, `src/request-context.ts`) joins runtime and graph.
  {
    files: ['platform/**/*.ts', 'services/**/*.ts', 'src/**/*.ts', 'resolvers/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './platform',
              from: ['./src', './resolvers', './services', './test', './bench', './scripts'],
              message: 'platform/ is shared by the gateway and the services, so it imports neither.',
            },
            GATEWAY_NOT_SERVICES,
            {
              target: './services',
              from: ['./src', './resolvers'],
              message: 'A service never imports the gateway; code both use belongs in platform/.',
            },
            ...SERVICES.map((name) => ({
              target: `./services/${name}`,
              from: './services',
              except: [`./${name}`, './common'],
              message: 'A service never imports another service: it calls it over gRPC, and shares code through services/common/.',
            })),
            {
              target: './services/common',
              from: './services',
              except: ['./common'],
              message: 'services/common/ is shared by every service, so it imports none of them.',
            },
            {
              target: ['./resolvers', './src/sources', './src/permissions', './src/schema.ts', './src/context.ts'],
              from: COMPOSITION_ROOT,
              message: 'The graph layer never imports the composition root that builds it.',
            },
          ],
        },
      ],
    },
  },
  {
    // A later block's options replace an earlier one's, so this repeats the zone above that applies here.
    files: ['src/*/**/*.ts'],
    ignores: ['src/sources/**', 'src/permissions/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            GATEWAY_NOT_SERVICES,
            {
              target: './src',
              from: ['./resolvers', './src/sources', './src/permissions', './src/schema.ts', './src/context.ts', ...COMPOSITION_ROOT],
              message: 'The runtime (src/<concern>/) sits below the graph layer and the composition root, and never imports them.',
            },
          ],
        },
      ],
    },
  },
  // The web client runs in the browser and reaches the gateway over HTTP alone.
  {
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './web',
              from: ['./src', './resolvers', './services', './platform', './scripts', './test', './bench'],
              message: 'The web client talks to the gateway over HTTP; it shares only the generated operations (generated/web/).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
