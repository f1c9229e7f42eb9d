/** What the project's own HTTP servers (the sandbox, `listen`) share: starting, stopping, request bodies. */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The body was larger than the server takes: answer 413. */
export class BodyTooLarge extends Error {}

/**
 * The whole body as UTF-8, or BodyTooLarge once more than `maxBytes` arrive (the rest is drained,
 * not kept); rejects when the client cuts the request off.
 */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request cut off'));
    });
  });
}

export interface Listening {
  /** `http://host:port`, with a wildcard address shown as the loopback one. */
  url: string;
  /** Stops taking connections and ends those kept alive; the same promise on every call. */
  close(): Promise<void>;
}

/**
 * Starts `server` on `port` (0: a free one) and `host`; rejects with the listen error (EADDRINUSE:
 * the port is taken). `onClose` runs first when the server is closed.
 */
export async function listenOn(server: http.Server, port: number, host: string, onClose?: () => void): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(address)}:${address.port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        onClose?.();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function urlHost(address: AddressInfo): string {
  if (address.family === 'IPv6') return address.address === '::' ? '[::1]' : `[${address.address}]`;
  return address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
}
