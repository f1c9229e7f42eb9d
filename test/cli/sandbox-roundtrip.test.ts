import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/io.js';

let sandbox: Sandbox;
let env: Record<string, string>;
const example = (name: string) => `@${fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))}`;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, deliveryDelayMs: 20, rateLimit: false });
  env = { PLIVO_API_URL: sandbox.url, PLIVO_AUTH_ID: sandbox.authId, PLIVO_AUTH_TOKEN: sandbox.authToken };
});
afterAll(() => sandbox.close());

const SRC = ['--src', '14155550100', '--dst', '14155550101'];

// What the CLI accepts, the Plivo stand-in accepts too, with every option and content kind.
describe('the sandbox accepts every request the CLI builds', () => {
  it.each([
    [
      'sms with every option',
      [
        'sms',
        ...SRC,
        '--text',
        'Ça coûte 5€ — “ok”',
        '--url',
        'http://127.0.0.1:9/cb',
        '--method',
        'GET',
        '--log',
        'content_only',
        '--trackable',
        '--message-expiry',
        '60',
        '--dlt-entity-id',
        '1201159146834474771',
        '--dlt-template-id',
        '1207161730298765432',
        '--dlt-template-category',
        'promotional',
      ],
    ],
    [
      'sms from a Powerpack to several numbers',
      ['sms', '--powerpack-uuid', 'a1b2c3d4-0000-4000-8000-000000000001', '--dst', '14155550101<14155550102', '--text', 'Hi'],
    ],
    ['sms, 10 segments of UCS-2', ['sms', ...SRC, '--text', 'Ж'.repeat(670)]],
    ['mms', ['mms', ...SRC, '--media-url', 'https://e.com/a.jpg', '--media-id', 'abc', '--text', 'pic']],
    ['whatsapp text', ['whatsapp', ...SRC, '--text', 'hello']],
    ['whatsapp media', ['whatsapp', ...SRC, '--media-url', 'https://e.com/a.pdf', '--text', 'caption']],
    ['whatsapp template', ['whatsapp', ...SRC, '--template', example('template.json')]],
    ['whatsapp buttons', ['whatsapp', ...SRC, '--interactive', example('interactive-buttons.json')]],
    ['whatsapp list', ['whatsapp', ...SRC, '--interactive', example('interactive-list.json')]],
    ['whatsapp cta_url', ['whatsapp', ...SRC, '--interactive', example('interactive-cta-url.json')]],
    ['whatsapp location', ['whatsapp', ...SRC, '--location', example('location.json')]],
  ])('%s', async (_name, args) => {
    const out = await runCli([...args, '--json'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect((JSON.parse(out.stdout) as { message_uuid: string[] }).message_uuid.length).toBeGreaterThan(0);
  });

  it('units billed by the sandbox equal the local segment count', async () => {
    const text = `${'x'.repeat(152)}{${'x'.repeat(152)}`;
    const sent = await runCli(['sms', ...SRC, '--text', text, '--json'], { env });
    const [uuid] = (JSON.parse(sent.stdout) as { message_uuid: string[] }).message_uuid;
    const status = await runCli(['status', uuid!, '--json'], { env });
    const counted = await runCli(['segments', '--text', text, '--json']);
    expect(JSON.parse(counted.stdout)).toHaveProperty('segments', 3);
    expect(JSON.parse(status.stdout)).toHaveProperty('units', 3);
  });
});
