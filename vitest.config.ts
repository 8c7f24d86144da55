import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // netns and vm layers: install what they need or skip them with one line (CI: fail)
    globalSetup: ['test/setup/global-setup.ts'],
  },
});
