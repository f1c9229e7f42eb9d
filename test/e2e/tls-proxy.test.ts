/**
 * Through an HTTPS proxy (a CONNECT tunnel), a TLS error that comes after the request reached
 * Plivo is an unknown outcome: the row is not sent again. The tunnel's socket arrives already
 * connected, so got never records its handshake; only "the request was never written" may count
 * as "not sent".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { cleanEnv, runBin } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN } from '../helpers/io.js';

const dir = mkdtempSync(join(tmpdir(), 'plivo-send-tls-proxy-'));
let server: https.Server;
let proxy: net.Server;
let posts = 0;
/** Set per tunnel: garbles the answer of the request that just came in. */
let garble: (() => void) | undefined;

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=plivo.test',
      '-addext',
      'subjectAltName=DNS:plivo.test',
    ],
    { stdio: 'ignore' },
  );
  server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method !== 'POST') return res.writeHead(404).end();
      posts++;
      // Plivo queued it; then the answer is corrupted on the wire (a TLS record that fails to decrypt).
      if (garble) return garble();
      res
        .writeHead(202, { 'content-type': 'application/json' })
        .end(JSON.stringify({ api_id: 'a', message: 'message(s) queued', message_uuid: [randomUUID()] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  // A CONNECT proxy that tunnels to the server, whatever host the client names.
  proxy = net.createServer((client) => {
    client.on('error', () => undefined);
    client.once('data', (head) => {
      const upstream = net.connect(port, '127.0.0.1');
      upstream.on('error', () => undefined);
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      const rest = head.subarray(head.indexOf('\r\n\r\n') + 4);
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      garble = () => {
        upstream.unpipe(client);
        client.write(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20, ...Buffer.alloc(32, 7)]));
      };
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
afterAll(() => {
  server?.close();
  proxy?.close();
});

describe('a TLS error through an HTTPS proxy after the request went out', () => {
  it('leaves the row unknown after one request: it is not retried as if nothing had been sent', async () => {
    writeFileSync(join(dir, 'people.csv'), 'dst,name\n14155550101,Ada\n');
    const port = (server.address() as net.AddressInfo).port;
    const env = cleanEnv({
      PLIVO_AUTH_ID: AUTH_ID,
      PLIVO_AUTH_TOKEN: AUTH_TOKEN,
      PLIVO_API_URL: `https://plivo.test:${port}`,
      HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
    });
    const out = await runBin(['sms', '--csv', 'people.csv', '--src', '14155550100', '--text', 'Hi {{name}}', '--yes', '--results', 'out.jsonl'], {
      env,
      cwd: dir,
      timeoutMs: 30_000,
    });
    expect(out.code, out.stderr).toBe(6);
    expect(posts).toBe(1);
    const [row] = readFileSync(join(dir, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; error: string });
    expect(row).toMatchObject({ status: 'unknown', error: expect.stringMatching(/may have been queued/) });
  }, 40_000);
});
