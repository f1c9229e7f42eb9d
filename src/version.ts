// Kept in step with package.json by test/cli/surface.test.ts; a constant keeps start-up free of file reads.
export const VERSION = '0.1.0';
