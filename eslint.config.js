// Lint rules: ESLint's and typescript-eslint's recommended sets, plus the
// project's own conventions (no floating promises is left to review; the
// type checker already runs in `npm run typecheck`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Server and gateway stand side by side over src/protocol and src/gammu:
 * neither may import the other. A relative import reaches a sibling folder
 * of src/ only with exactly as many `../` as the importing file is deep, so
 * one block per depth names the forbidden folder exactly (the server's own
 * `channels/gateway/` and `routes/gateway.ts` stay allowed).
 */
function forbidSibling(from, to, maxDepth = 6) {
  return Array.from({ length: maxDepth }, (_, i) => ({
    files: [`src/${from}/${'*/'.repeat(i)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^${'\\.\\./'.repeat(i + 1)}${to}(/|$)`,
              message: `src/${from} must not import src/${to}: share code through src/protocol or src/gammu.`,
            },
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A variable declared first and assigned once later (closures refer to it) is fine.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  ...forbidSibling('server', 'gateway'),
  ...forbidSibling('gateway', 'server'),
  {
    // kirim/client runs in browsers and on Node 18+: no Node built-in, and
    // nothing from the rest of the project (its types come from schema.ts).
    files: ['src/client/**/*.ts'],
    ignores: ['src/client/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'src/client must run in browsers: use fetch, URL and crypto.randomUUID, not Node built-ins.' },
            { regex: '^\\.\\./', message: 'src/client stands alone: its types come from the generated schema.ts.' },
          ],
        },
      ],
    },
  },
  {
    // The demo application uses Kirim as any application would: through
    // kirim/client over HTTP, never through the server's internals.
    files: ['src/demo/**/*.ts'],
    ignores: ['src/demo/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./(?!client/)', message: 'src/demo talks to Kirim only through src/client (kirim/client), like any application.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The dashboard's browser modules (no build step): web globals only.
    files: ['src/server/dashboard/web/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'navigator', 'fetch', 'EventSource', 'URLSearchParams', 'FormData', 'AbortController', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'addEventListener', 'queueMicrotask'].map((g) => [g, 'readonly']),
      ),
    },
  },
);
