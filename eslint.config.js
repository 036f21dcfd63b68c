import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // cli-ts-machines imports dist/ (loaded by the built binary): checked by its CLI test, not here.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'inspector/dist/**',
      'data/**',
      'test/.generated/**',
      'test/fixtures/cli-ts-machines/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // In an orchestrator a forgotten await loses work.
      '@typescript-eslint/no-floating-promises': 'error',
      // Store methods are async so that every failure is a rejection, even when the work is synchronous.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/require-await': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
