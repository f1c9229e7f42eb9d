/**
 * Everything the program reads from or writes to its surroundings, passed in explicitly so that
 * tests run the CLI in-process with fakes and nothing is read at import time.
 */
import type { Readable } from 'node:stream';
import type { InterruptSignal } from './errors.js';

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
  /**
   * Registers a handler for SIGINT, SIGTERM and SIGHUP (each call says which); returns a function
   * that removes it. While one is registered, those signals no longer end the process.
   */
  onInterrupt?: (handler: (signal: InterruptSignal) => void) => () => void;
  /** Opens the controlling terminal (`/dev/tty`) when stdin is not one; undefined when there is none. */
  openTty?: () => Promise<Terminal | undefined>;
}

export type { InterruptSignal };

/** The user's terminal, opened apart from stdin and stderr; `close` gives it back. */
export interface Terminal {
  input: Readable;
  output: OutStream;
  close(): void;
}
