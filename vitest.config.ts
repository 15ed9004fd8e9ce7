import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Starts (and stops) a throwaway PostgreSQL server when PostgreSQL is installed.
    globalSetup: ['test/pg/global-setup.ts'],
  },
});
