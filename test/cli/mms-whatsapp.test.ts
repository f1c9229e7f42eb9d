import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { AUTH_ID, AUTH_TOKEN, runCli } from '../helpers/io.js';

let server: FaultServer;
let env: Record<string, string>;
const example = (name: string) => JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8')) as unknown;
const examplePath = (name: string) => new URL(`../../examples/${name}`, import.meta.url).pathname;

beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  env = { PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url };
});

const WA = ['whatsapp', '--src', '14155550100', '--dst', '14155550101'];

describe('mms', () => {
  it('sends media URLs (repeated and comma-joined), media ids and text with type mms', async () => {
    const out = await runCli(
      [
        'mms',
        '--src',
        '14155550100',
        '--dst',
        '14155550101',
        '--media-url',
        'https://e.com/a.jpg,https://e.com/b.gif',
        '--media-url',
        'https://e.com/c.mp4',
        '--media-id',
        '801c2056-33ab',
        '--text',
        'Look',
      ],
      { env },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()[0]!.json).toEqual({
      src: '14155550100',
      dst: '14155550101',
      text: 'Look',
      type: 'mms',
      media_urls: ['https://e.com/a.jpg', 'https://e.com/b.gif', 'https://e.com/c.mp4'],
      media_ids: ['801c2056-33ab'],
    });
    expect(out.stdout).toMatch(/MMS, 4 attachments/);
  });

  it.each([
    [[], /media_urls: MMS needs at least one attachment/],
    [
      Array.from({ length: 11 }, (_, i) => ['--media-url', `https://e.com/${i}.png`]).flat(),
      /at most 10 attachments in all \(media_urls \+ media_ids\), got 11/,
    ],
    [['--media-url', 'file:///etc/passwd'], /media_urls\.0: must be an absolute http/],
  ])('refuses %j before the network', async (extra, message) => {
    const out = await runCli(['mms', '--src', '14155550100', '--dst', '14155550101', ...extra], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });
});

describe('whatsapp', () => {
  it('free-form text', async () => {
    const out = await runCli([...WA, '--text', 'Your order has shipped'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()[0]!.json).toEqual({ src: '14155550100', dst: '14155550101', text: 'Your order has shipped', type: 'whatsapp' });
  });

  it('media with a caption', async () => {
    const out = await runCli([...WA, '--text', 'Invoice', '--media-url', 'https://e.com/invoice.pdf'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()[0]!.json).toMatchObject({ text: 'Invoice', media_urls: ['https://e.com/invoice.pdf'], type: 'whatsapp' });
  });

  it.each([
    ['template', 'template.json'],
    ['interactive', 'interactive-buttons.json'],
    ['interactive', 'interactive-list.json'],
    ['interactive', 'interactive-cta-url.json'],
    ['location', 'location.json'],
  ])('--%s @examples/%s is sent exactly as written', async (option, file) => {
    const out = await runCli([...WA, `--${option}`, `@${examplePath(file)}`], { env });
    expect(out.code, out.stderr).toBe(0);
    const sent = server.posts()[0]!;
    expect((sent.json as Record<string, unknown>)[option]).toEqual(example(file));
    // Key order inside the object is kept too.
    expect(JSON.stringify((sent.json as Record<string, unknown>)[option])).toBe(JSON.stringify(example(file)));
  });

  it('reads a template from stdin and inline JSON', async () => {
    const template = { name: 'otp', language: 'en', components: [{ type: 'body', parameters: [{ type: 'text', text: '123456' }] }] };
    let out = await runCli([...WA, '--template', '-'], { env, stdin: JSON.stringify(template) });
    expect(out.code, out.stderr).toBe(0);
    out = await runCli([...WA, '--template', JSON.stringify(template)], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts().map((p) => (p.json as { template: unknown }).template)).toEqual([template, template]);
  });

  it('builds a template from --template-name, --template-language and --param', async () => {
    const out = await runCli(
      [...WA, '--template-name', 'order_update', '--template-language', 'en_US', '--param', 'Ada', '--param', '4417', '--dry-run', '--json'],
      { env },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toHaveProperty('body.template', {
      name: 'order_update',
      language: 'en_US',
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ada' },
            { type: 'text', text: '4417' },
          ],
        },
      ],
    });
    expect(server.requests).toHaveLength(0);
  });

  it.each<[string, string[], RegExp]>([
    [
      'four reply buttons',
      [
        '--interactive',
        JSON.stringify({ type: 'button', body: { text: 'Pick' }, action: { buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}` })) } }),
      ],
      /interactive\.action\.buttons: at most 3 reply buttons \(got 4\)/,
    ],
    [
      'a long button title',
      ['--interactive', JSON.stringify({ type: 'button', body: { text: 'Pick' }, action: { buttons: [{ id: 'a', title: 'x'.repeat(21) }] } })],
      /interactive\.action\.buttons\.0\.title: .*20/,
    ],
    [
      'a numeric latitude',
      ['--location', JSON.stringify({ latitude: 37.7, longitude: '-122.4', name: 'HQ', address: '1 Market St' })],
      /location\.latitude: must be a string/,
    ],
    [
      'a numeric button index',
      [
        '--template',
        JSON.stringify({ name: 'x', language: 'en', components: [{ type: 'button', sub_type: 'url', index: 0, parameters: [{ type: 'text', text: 'a' }] }] }),
      ],
      /template\.components\.0\.index: must be a string/,
    ],
    [
      'a currency amount with decimals',
      [
        '--template',
        JSON.stringify({
          name: 'x',
          language: 'en',
          components: [{ type: 'body', parameters: [{ type: 'currency', currency: { fallback_value: '$1', currency_code: 'USD', amount_1000: 1.5 } }] }],
        }),
      ],
      /amount_1000/,
    ],
    ['invalid JSON with its position', ['--template', '{"name": "x",\n "language": }'], /template: is not valid JSON: .*line 2, column/],
    ['a missing file', ['--location', '@/nonexistent/loc.json'], /location: cannot read \/nonexistent\/loc\.json: no such file/],
    ['text and a template together', ['--text', 'hi', '--template', '{"name":"x","language":"en"}'], /give exactly one kind of content, not text and template/],
    ['a Powerpack', ['--powerpack-uuid', 'p-1', '--text', 'hi'], /powerpack_uuid: WhatsApp messages cannot use a Powerpack/],
    ['SMS-only flags', ['--dlt-entity-id', '1201159146834474771', '--smart-encoding', '--text', 'hi'], /--dlt-entity-id, --smart-encoding apply to SMS only/],
    ['a template name without language', ['--template-name', 'x'], /--template-name and --template-language go together/],
  ])('refuses %s before the network', async (_name, extra, message) => {
    const out = await runCli([...WA, ...extra], { env });
    expect(out.code, out.stdout).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('explains the 24-hour conversation window when Plivo refuses a free-form message', async () => {
    server.script({ status: 400, body: { api_id: 'x', error: 'WhatsApp: cannot send a non-template message outside the 24 hour conversation window' } });
    const out = await runCli([...WA, '--text', 'hi'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/open 24-hour conversation/);
    expect(out.stderr).toMatch(/--template/);
  });

  it('--help offers only what WhatsApp takes: a WhatsApp-enabled number as --src, no Powerpack', async () => {
    const out = await runCli(['whatsapp', '--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/--src <number> +sender: your WhatsApp-enabled phone number/);
    expect(out.stdout).not.toMatch(/--powerpack-uuid|short code|alphanumeric|--dlt-|--smart-encoding/);
    // The sms command still offers both.
    const sms = await runCli(['sms', '--help']);
    expect(sms.stdout).toMatch(/--src <id> +sender: phone number, short code or alphanumeric sender ID/);
    expect(sms.stdout).toMatch(/--powerpack-uuid <uuid>/);
  });

  it("a config file's DLT registration and smart encoding, meant for SMS, do not reach a WhatsApp message", async () => {
    const config = { dltEntityId: '1201159146834474771', dltTemplateCategory: 'transactional', smartEncoding: true };
    const out = await runCli([...WA, '--text', '“Hi”', '--dry-run', '--json'], { env, config });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toHaveProperty('body', { src: '14155550100', dst: '14155550101', text: '“Hi”', type: 'whatsapp' });
  });

  it('a WhatsApp JSON file can carry a BOM and still parse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wa-'));
    writeFileSync(join(dir, 'loc.json'), '\uFEFF' + JSON.stringify(example('location.json')));
    const out = await runCli([...WA, '--location', `@${join(dir, 'loc.json')}`, '--dry-run', '--json'], { env });
    expect(out.code, out.stderr).toBe(0);
  });
});
