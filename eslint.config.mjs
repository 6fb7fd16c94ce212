// ESLint (flat config): typescript-eslint's recommended rules over src/, the tests, the bench
// and the scripts. Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'src/actions/contract.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `any` is how the code reads untyped JSON (events, API answers) before checking it.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A `let` assigned once at start-up but read by closures defined before it stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['__tests__/**', 'bench/**'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    // Tests match terminal escape sequences (colours, the spinner) on purpose.
    rules: { 'no-control-regex': 'off' },
  },
);
