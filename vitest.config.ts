import { defineConfig } from 'vitest/config';

export default defineConfig({
  // XState's development build warns about logic that would persist badly (DESIGN section 9).
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.types.test.ts', 'node_modules/**'],
    typecheck: { enabled: true, include: ['test/**/*.types.test.ts'] },
    testTimeout: 20_000,
    // Hooks start Chromium and servers, which a loaded machine can take well over the default 10 s for.
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
