/**
 * Everything the program reads from or writes to its surroundings, passed in explicitly so that
 * tests run the CLI in-process with fakes and nothing is read at import time.
 */
import type { Readable } from 'node:stream';

export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  homedir: string;
  /** Registers a SIGINT handler; returns a function that removes it. */
  onInterrupt?: (handler: () => void) => () => void;
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
