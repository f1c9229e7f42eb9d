import { describe, expect, it } from 'vitest';
import { buildMessage, type MessageOptions } from '../../src/core/message.js';

const sms = (o: Partial<MessageOptions>): MessageOptions => ({ type: 'sms', src: '14155550100', dst: ['14155550101'], text: 'Hello', ...o });

function problems(o: MessageOptions): string[] {
  const result = buildMessage(o);
  return result.ok ? [] : result.problems.map((p) => `${p.field}: ${p.message}`);
}

function body(o: MessageOptions) {
  const result = buildMessage(o);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
  return result.message.body;
}

describe('buildMessage: sms body', () => {
  it('builds the minimal body with the JSON types Plivo expects', () => {
    expect(body(sms({}))).toEqual({ src: '14155550100', dst: '14155550101', text: 'Hello', type: 'sms' });
  });

  it('sends every option with its JSON type: log a string, trackable a boolean, message_expiry an integer', () => {
    const b = body(
      sms({
        url: 'https://example.com/cb',
        method: 'get',
        log: 'number_only',
        trackable: 'true',
        messageExpiry: '300',
        dltEntityId: '1201159146834474771',
        dltTemplateId: '1207161730298765432',
        dltTemplateCategory: 'Transactional',
      }),
    );
    expect(b).toMatchObject({ url: 'https://example.com/cb', method: 'GET', log: 'number_only', trackable: true, message_expiry: 300 });
    expect(b.dlt_template_category).toBe('transactional');
    expect(typeof b.dlt_entity_id).toBe('string');
  });

  it('writes the keys in the order Plivo documents them, whatever order the parts fill them in', () => {
    const b = body(
      sms({
        powerpackUuid: 'p-1',
        src: undefined,
        url: 'https://e.com/cb',
        method: 'POST',
        log: 'true',
        trackable: true,
        messageExpiry: 60,
        dltEntityId: '1',
        dltTemplateId: '2',
        dltTemplateCategory: 'service_implicit',
      }),
    );
    expect(Object.keys(b)).toEqual([
      'powerpack_uuid',
      'dst',
      'text',
      'type',
      'url',
      'method',
      'log',
      'trackable',
      'message_expiry',
      'dlt_entity_id',
      'dlt_template_id',
      'dlt_template_category',
    ]);
    const m = body({ type: 'mms', src: '14155550100', dst: ['14155550101'], text: 'Hi', mediaUrls: ['https://e.com/a.png'], mediaIds: ['801c'] });
    expect(Object.keys(m)).toEqual(['src', 'dst', 'text', 'type', 'media_urls', 'media_ids']);
  });

  it('turns a boolean log from a config file into the string Plivo wants', () => {
    expect(body(sms({ log: false })).log).toBe('false');
  });

  it.each([
    ['+1 (415) 555-0101', '14155550101'],
    ['1.415.555.0101', '14155550101'],
    ['1/415/555/0101', '14155550101'],
    [' 447400123456 ', '447400123456'],
  ])('sanitises dst %j to %s as Plivo does', (raw, clean) => {
    expect(body(sms({ dst: [raw] })).dst).toBe(clean);
  });

  it('joins repeated and <-joined destinations, dropping repeats', () => {
    expect(body(sms({ dst: ['14155550101<14155550102', '+14155550101', '14155550103'] })).dst).toBe('14155550101<14155550102<14155550103');
  });

  it('writes a numeric src as digits, the way Plivo reads a phone number', () => {
    expect(body(sms({ src: '+1 (415) 555-0100' })).src).toBe('14155550100');
    expect(body(sms({ src: ' 12345 ' })).src).toBe('12345');
  });

  it('sends an alphanumeric sender ID exactly as given', () => {
    expect(body(sms({ src: 'MyShop' })).src).toBe('MyShop');
    expect(body(sms({ src: 'MYSHOP2024' })).src).toBe('MYSHOP2024');
  });

  it('uses a Powerpack instead of src', () => {
    expect(body(sms({ src: undefined, powerpackUuid: 'a1b2c3d4-0000-4000-8000-000000000001' }))).toMatchObject({
      powerpack_uuid: 'a1b2c3d4-0000-4000-8000-000000000001',
    });
  });
});

describe('buildMessage: every rule is checked, every problem reported', () => {
  it.each<[string, Partial<MessageOptions>, RegExp]>([
    ['no sender', { src: undefined }, /^src: a sender is required/],
    ['src and powerpack', { powerpackUuid: 'x-y' }, /^src: give either --src or --powerpack-uuid/],
    ['numeric src too long', { src: '123456789012345' }, /^src: .*at most 14/],
    ['alphanumeric src too long', { src: 'ABCDEFGHIJKL' }, /^src: .*at most 11/],
    ['no dst', { dst: [] }, /^dst: at least one destination/],
    ['letters in dst', { dst: ['1415abc0101'] }, /^dst: '1415abc0101' is not a phone number/],
    ['dst too long', { dst: ['4412345678901234'] }, /^dst: .*has 16 digits; a phone number has at most 15/],
    ['dst with trunk 0', { dst: ['07700900123'] }, /^dst: .*starts with 0/],
    ['NANP missing digit', { dst: ['1415555010'] }, /^dst: '1415555010' is not a valid phone number \(read as \+1 415555010, United States\)/],
    ['dst equal to src', { dst: ['14155550100'] }, /^dst: .*also the sender/],
    ['no text', { text: undefined }, /^text: is required for SMS/],
    ['empty text', { text: '' }, /^text: is required for SMS/],
    ['GSM text over 1,600', { text: 'a'.repeat(1601) }, /^text: .*1,600/],
    ['UCS-2 text over 737', { text: 'Ж'.repeat(738) }, /^text: .*737/],
    ['relative callback url', { url: '/status' }, /^url: must be an absolute http/],
    ['ftp callback url', { url: 'ftp://example.com/x' }, /^url: must be an absolute http/],
    ['bad method', { url: 'https://e.com/x', method: 'PUT' }, /^method: must be GET or POST/],
    ['method without url', { method: 'GET' }, /^method: .*give --url too/],
    ['bad log', { log: 'maybe' }, /^log: 'maybe' is not allowed: use one of true, false, number_only, content_only/],
    ['bad trackable', { trackable: 'sometimes' }, /^trackable: 'sometimes' is not a boolean/],
    ['expiry not a number', { messageExpiry: '3h' }, /^message_expiry: '3h' is not a whole number/],
    ['expiry too small', { messageExpiry: '4' }, /^message_expiry: must be between 5 and 10799/],
    ['expiry too large', { messageExpiry: 10800 }, /^message_expiry: must be between 5 and 10799/],
    [
      'bad DLT category',
      { dltTemplateCategory: 'marketing' },
      /^dlt_template_category: must be one of transactional, promotional, service_implicit, service_explicit/,
    ],
    ['media on sms', { mediaUrls: ['https://e.com/a.png'] }, /^media_urls: SMS cannot carry media/],
    ['template on sms', { template: { name: 'x', language: 'en' } }, /^template: is only for WhatsApp/],
    [
      'src with a hyphen',
      { src: 'My-Shop' },
      /^src: 'My-Shop' may hold only letters A-Z a-z and digits 0-9 \(an alphanumeric sender ID of at most 11 characters\); '-' is not one$/,
    ],
    ['src with a space', { src: 'MY SHOP' }, /^src: 'MY SHOP' may hold only letters .*; a space is not one$/],
    ['src with an accent', { src: 'Café' }, /^src: 'Café' may hold only letters .*; 'é' is not one$/],
    ['blank text', { text: ' \n\t ' }, /^text: is blank \(only spaces or line breaks\)/],
    ['lone surrogate in text', { text: 'Hi \ud83d there' }, /^text: holds an unpaired UTF-16 surrogate \(\\uD83D\) at character 4/],
    [
      'a placeholder in --dst without --csv',
      { dst: ['{{Phone}}'] },
      /^dst: '\{\{Phone\}\}' is a placeholder: it is filled from a CSV column only in batch mode \(--csv <file>\)/,
    ],
  ])('%s', (_name, options, expected) => {
    const found = problems(sms(options));
    expect(
      found.some((p) => expected.test(p)),
      found.join('\n'),
    ).toBe(true);
  });

  it('accepts the limits themselves: 1,600 GSM characters, 737 UCS-2 units, expiry 5 and 10799', () => {
    expect(problems(sms({ text: 'a'.repeat(1600) }))).toEqual([]);
    expect(problems(sms({ text: 'Ж'.repeat(737) }))).toEqual([]);
    expect(problems(sms({ messageExpiry: 5 }))).toEqual([]);
    expect(problems(sms({ messageExpiry: '10799' }))).toEqual([]);
  });

  it('rejects more than 1,000 unique destinations', () => {
    const dst = Array.from({ length: 1001 }, (_, i) => `1415556${String(i).padStart(4, '0')}`);
    expect(problems(sms({ dst })).some((p) => /at most 1000 unique numbers/.test(p))).toBe(true);
    expect(problems(sms({ dst: dst.slice(0, 1000) }))).toEqual([]);
  });

  it('never rewrites a sender ID: an invalid one is refused, not sent stripped', () => {
    for (const src of ['My-Shop', 'MY SHOP', 'Café']) {
      const result = buildMessage(sms({ src }));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problems.map((p) => p.field)).toEqual(['src']);
    }
  });

  it('reports a --dst placeholder once, not also as a bad number', () => {
    expect(problems(sms({ dst: ['{{Phone}}'] }))).toHaveLength(1);
  });

  it('collects several problems at once', () => {
    const found = problems(sms({ src: undefined, dst: ['abc'], text: undefined, log: 'x' }));
    expect(found.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['src', 'dst', 'text', 'log']));
  });

  it('reports problems part by part: sender, destinations, text, content, delivery, then shapes and enums', () => {
    expect(
      problems(sms({ src: 'My-Shop', dst: [], text: ' ', mediaIds: ['1'], method: 'PUT', log: 'x', trackable: 'maybe' })).map((p) => p.split(':')[0]),
    ).toEqual(['src', 'dst', 'text', 'media_urls', 'method', 'trackable', 'method', 'log']);
  });

  it('applies smart encoding only on request, and reports the replacements', () => {
    const plain = buildMessage(sms({ text: '“Quoted”' }));
    expect(plain.ok && plain.message.count?.encoding).toBe('UCS-2');
    const smart = buildMessage(sms({ text: '“Quoted”', smartEncoding: true }));
    expect(smart.ok && smart.message.body.text).toBe('"Quoted"');
    expect(smart.ok && smart.message.count?.encoding).toBe('GSM-7');
    expect(smart.ok && smart.message.replaced.length).toBeGreaterThan(0);
  });
});

describe('buildMessage: mms', () => {
  const mms = (o: Partial<MessageOptions>): MessageOptions => ({ type: 'mms', src: '14155550100', dst: ['14155550101'], ...o });

  it('splits comma-joined media URLs and keeps media_ids', () => {
    expect(body(mms({ mediaUrls: ['https://e.com/a.png,https://e.com/b.png'], mediaIds: ['801c2056'] }))).toEqual({
      src: '14155550100',
      dst: '14155550101',
      type: 'mms',
      media_urls: ['https://e.com/a.png', 'https://e.com/b.png'],
      media_ids: ['801c2056'],
    });
  });

  it.each<[string, Partial<MessageOptions>, RegExp]>([
    ['no media', {}, /^media_urls: MMS needs at least one attachment/],
    [
      '11 attachments',
      { mediaUrls: Array.from({ length: 6 }, (_, i) => `https://e.com/${i}.png`), mediaIds: ['1', '2', '3', '4', '5'] },
      /at most 10 attachments in all.*got 11/,
    ],
    ['relative media URL', { mediaUrls: ['cat.png'] }, /^media_urls\.0: must be an absolute http/],
    ['text over 1,600', { mediaUrls: ['https://e.com/a.png'], text: 'x'.repeat(1601) }, /^text: .*MMS text may be at most 1600/],
  ])('%s', (_name, options, expected) => {
    const found = problems(mms(options));
    expect(
      found.some((p) => expected.test(p)),
      found.join('\n'),
    ).toBe(true);
  });
});

describe('buildMessage: whatsapp', () => {
  const wa = (o: Partial<MessageOptions>): MessageOptions => ({ type: 'whatsapp', src: '14155550100', dst: ['14155550101'], ...o });
  const template = { name: 'order_update', language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }] }] };

  it('sends the template object exactly as given', () => {
    const b = body(wa({ template }));
    expect(b.template).toBe(template);
    expect(b).toEqual({ src: '14155550100', dst: '14155550101', type: 'whatsapp', template });
  });

  it.each<[string, Partial<MessageOptions>, RegExp]>([
    ['no src', { src: undefined, text: 'hi' }, /^src: is required for WhatsApp/],
    ['powerpack', { src: undefined, powerpackUuid: 'p', text: 'hi' }, /^powerpack_uuid: WhatsApp messages cannot use a Powerpack/],
    ['no content', {}, /^text: WhatsApp needs content/],
    ['two kinds', { text: 'hi', template }, /give exactly one kind of content, not text and template/],
    ['two media', { mediaUrls: ['https://e.com/a.png', 'https://e.com/b.png'] }, /exactly one media URL \(got 2\)/],
    ['text over 4,096', { text: 'x'.repeat(4097) }, /WhatsApp text may be at most 4096/],
    ['caption over 1,024', { text: 'x'.repeat(1025), mediaUrls: ['https://e.com/a.png'] }, /a media caption may be at most 1024/],
    ['media ids', { mediaIds: ['1'], text: 'x' }, /^media_ids: WhatsApp takes media by URL only/],
    ['bad template name', { template: { name: 'Order Update', language: 'en' } }, /^template\.name: /],
  ])('%s', (_name, options, expected) => {
    const found = problems(wa(options));
    expect(
      found.some((p) => expected.test(p)),
      found.join('\n'),
    ).toBe(true);
  });

  it('accepts a caption of exactly 1,024 characters with media', () => {
    expect(problems(wa({ text: 'x'.repeat(1024), mediaUrls: ['https://e.com/a.png'] }))).toEqual([]);
  });
});
