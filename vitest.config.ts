import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The default reporter, plus one plain closing line ("N passed, N failed") that any CI can read.
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
