/**
 * Polls `probe` every 10 ms until it returns something other than `undefined` or `false`, and
 * returns that; throws `timed out waiting for <what>` after `timeoutMs` (generous: CI machines are
 * busy). The one polling loop of the tests: none waits without a deadline.
 */
export async function waitFor<T>(probe: () => T | false | undefined | Promise<T | false | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
