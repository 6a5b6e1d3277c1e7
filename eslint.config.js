// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'pg',
  'pino',
  'fastify',
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'node:os',
  'node:dgram',
  'node:dns',
  'node:worker_threads',
  'node:process',
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'child_process',
  'os',
  'process',
];
const pureMessage =
  'core is pure: no I/O here. Do the I/O in shell/ or adapters/ and pass the data in.';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      '.fedplane/**',
      'test/vectors/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'max-params': ['error', 4],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'No enum: use an `as const` object and a type.' },
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
      ],
    },
  },
  {
    files: ['packages/*/src/**/*.ts', 'services/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['packages/core/src/**/*.ts', 'services/*/src/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.map((name) => ({ name, message: pureMessage })),
          patterns: [
            { group: ['@nats-io/*'], message: pureMessage },
            { group: ['**/shell/**', '**/adapters/**'], message: pureMessage },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'core takes configuration as arguments, never from process.' },
        { name: 'fetch', message: pureMessage },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core takes `now` as an argument.' },
        { object: 'Math', property: 'random', message: 'core takes randomness as an argument.' },
        { object: 'crypto', property: 'randomUUID', message: 'core takes ids as arguments.' },
        {
          object: 'crypto',
          property: 'getRandomValues',
          message: 'core takes randomness as an argument.',
        },
        { object: 'performance', property: 'now', message: 'core takes `now` as an argument.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'No enum: use an `as const` object and a type.' },
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'core takes `now` as an argument; `new Date()` reads the clock.',
        },
        {
          selector:
            "ImportDeclaration[source.value='node:crypto'] ImportSpecifier[imported.name=/^(randomBytes|randomUUID|randomInt|getRandomValues|generateKeyPair|generateKeyPairSync)$/]",
          message: 'core takes randomness as an argument.',
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['*.js', '*.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['*.config.ts', '*.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
