import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores on CI: forks keep spawned binaries and servers isolated per file.
    pool: 'forks',
  },
});
