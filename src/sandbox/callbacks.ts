/**
 * Status callbacks (Plivo's Message API documentation, "Callbacks"): POST form-encoded or GET with a query string,
 * signed V2 and V3, retried after a non-2xx answer, a connection error or a timeout.
 */
import http from 'node:http';
import https from 'node:https';
import { signatureHeaders, type CallbackParams } from './signature.js';

export interface CallbackDispatcherOptions {
  authToken: string;
  /** Delay before each retry; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  log?: ((line: string) => void) | undefined;
}

export interface CallbackJob {
  url: string;
  method: 'GET' | 'POST';
  params: CallbackParams;
}

/**
 * The URL a callback is requested at, and signed for: the configured URL as an HTTP client sends
 * it (`https://example.com` → `https://example.com/`, no fragment), which is what a receiver
 * rebuilds from the request to validate the signature. GET adds the callback's parameters after
 * the URL's own query.
 */
export function callbackRequestUrl(url: string, method: 'GET' | 'POST', params: CallbackParams): URL {
  const target = new URL(url);
  target.hash = '';
  if (method === 'GET') {
    const encoded = new URLSearchParams(params).toString();
    target.search = target.search ? `${target.search}&${encoded}` : `?${encoded}`;
  }
  return target;
}

/** `callback delivered #3`, or `inbound message` for an inbound webhook (no Status). */
function describeJob(job: CallbackJob): string {
  return job.params.Status === undefined ? 'inbound message' : `callback ${job.params.Status} #${job.params.Sequence ?? ''}`;
}

export class CallbackDispatcher {
  private readonly requests = new Set<http.ClientRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: CallbackDispatcherOptions) {}

  /** Sends the callback in the background; failures are retried, never thrown. */
  send(job: CallbackJob): void {
    this.attempt(job, 1);
  }

  /** Stops every retry timer and aborts every callback in flight. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.requests) request.destroy();
    this.requests.clear();
  }

  private attempt(job: CallbackJob, attempt: number): void {
    if (this.closed) return;
    const label = `${describeJob(job)} ${job.method} ${job.url}`;
    this.post(job)
      .then((status) => {
        const ok = status >= 200 && status < 300;
        this.options.log?.(`${label} -> ${status}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
        if (!ok) this.retry(job, attempt);
      })
      .catch((error: unknown) => {
        if (this.closed) return;
        this.options.log?.(`${label} -> ${error instanceof Error ? error.message : String(error)}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
        this.retry(job, attempt);
      });
  }

  private retry(job: CallbackJob, attempt: number): void {
    const delay = this.options.retryDelaysMs[attempt - 1];
    if (this.closed) return;
    if (delay === undefined) {
      this.options.log?.(`${describeJob(job)} to ${job.url}: gave up after ${attempt} attempts`);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(job, attempt + 1);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** One HTTP request; resolves with the status code. Each attempt is signed with fresh nonces. */
  private post(job: CallbackJob): Promise<number> {
    return new Promise((resolve, reject) => {
      const encoded = new URLSearchParams(job.params).toString();
      const target = callbackRequestUrl(job.url, job.method, job.params);
      const headers: Record<string, string> = {
        'User-Agent': 'plivo-send-sandbox',
        ...signatureHeaders(job.method, callbackRequestUrl(job.url, 'POST', {}).toString(), job.params, this.options.authToken),
      };
      if (job.method === 'POST') {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        headers['Content-Length'] = String(Buffer.byteLength(encoded));
      }
      const transport = target.protocol === 'https:' ? https : http;
      // agent: false → one connection per callback, closed after it: nothing lingers after close().
      const request = transport.request(target, { method: job.method, headers, agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
        response.on('close', () => {
          if (!response.complete) reject(new Error('answer cut off'));
        });
      });
      this.requests.add(request);
      // A deadline for the whole exchange, like Plivo's 8 s, not an idle timeout.
      const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      deadline.unref();
      request.on('error', reject);
      request.on('close', () => {
        clearTimeout(deadline);
        this.requests.delete(request);
      });
      request.end(job.method === 'POST' ? encoded : undefined);
    });
  }
}
