/** `--sandbox`: a throwaway in-process Plivo on a free loopback port. */
import type { Output } from '../output.js';
import type { Credentials } from '../core/settings.js';

export interface SandboxSession {
  credentials: Credentials;
  close(): Promise<void>;
}

export async function startLocalSandbox(out: Output, deliveryDelayMs = 300): Promise<SandboxSession> {
  const { startSandbox } = await import('../sandbox/server.js');
  // No emulated limits: the quickstart stays fast.
  // No emulated limits (rateLimit false turns off both): the quickstart stays fast.
  const sandbox = await startSandbox({ port: 0, deliveryDelayMs, rateLimit: false });
  if (!out.json) out.note(out.err.dim(`Sandbox: sending to a local Plivo at ${sandbox.url}; no real message leaves this machine.`));
  return {
    credentials: { authId: sandbox.authId, authToken: sandbox.authToken, apiUrl: sandbox.url },
    close: () => sandbox.close(),
  };
}
