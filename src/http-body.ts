/** Request bodies for the project's own HTTP servers (the sandbox, `listen`). */
import type http from 'node:http';

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
