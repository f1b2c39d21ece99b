// ESLint over the TypeScript that Prettier formats (src/, test/, scripts/, web/, ormconfig.ts): typescript-eslint's
// type-checked recommended rules (and React's hook rules in web/), with eslint-config-prettier last so no rule
// fights the formatter.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'bench/**', '**/*.js', '**/*.mjs'] },
  { files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'ormconfig.ts', 'web/**/*.ts', 'web/**/*.tsx', 'web/**/*.mts'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A leading underscore marks a deliberately unused name (a field left out of a rest spread, a stub's parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A cache hands its waiters the loader's failure exactly as the loader raised it.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // A closure that reads a variable before its one assignment (a server handler needing the object made after listen) keeps `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Nest's HttpStatus is a numeric enum compared with the plain numbers HTTP statuses are.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
  { files: ['web/**/*.tsx', 'web/**/*.ts'], ...reactHooks.configs.flat['recommended-latest'] },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      // Response bodies (supertest, fetch().json()) are `any` by design: the tests assert on their shape.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      // `expect(repository.method)` hands jest a typed fake's method (jest.Mocked) to inspect, never to call unbound.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['test/support/webhook-receiver.ts'],
    // The reference handler is plain JavaScript, loaded as a user's CommonJS code would load it.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
