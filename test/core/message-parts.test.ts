import { describe, expect, it } from 'vitest';
import { checkContent } from '../../src/core/message/content.js';
import { checkDelivery } from '../../src/core/message/delivery.js';
import { checkDestinations } from '../../src/core/message/destinations.js';
import type { MessageOptions, Part } from '../../src/core/message/options.js';
import { checkSender } from '../../src/core/message/sender.js';
import { prepareText } from '../../src/core/message/text.js';

/** `field: message` lines, as the CLI prints them. */
const lines = (part: Pick<Part<unknown>, 'problems'>) => part.problems.map((p) => `${p.field}: ${p.message}`);

describe('checkSender', () => {
  it.each<[MessageOptions['type'], string | undefined, string | undefined, object]>([
    ['sms', '+1 (415) 555-0100', undefined, { src: '14155550100' }],
    ['sms', ' MyShop ', undefined, { src: 'MyShop' }],
    ['sms', undefined, ' a1b2 ', { powerpack_uuid: 'a1b2' }],
    ['mms', ' ', 'a1b2', { powerpack_uuid: 'a1b2' }],
    ['whatsapp', '14155550100', undefined, { src: '14155550100' }],
  ])('%s src=%j powerpack=%j → %j', (type, src, powerpackUuid, fields) => {
    const part = checkSender({ type, src, powerpackUuid });
    expect(lines(part)).toEqual([]);
    expect(part.fields).toEqual(fields);
  });

  it.each<[MessageOptions['type'], string | undefined, string | undefined, string[]]>([
    ['sms', undefined, undefined, ['src: a sender is required: pass --src <number or sender ID> or --powerpack-uuid <uuid> (or set src in .plivorc)']],
    ['sms', '', '  ', ['src: a sender is required: pass --src <number or sender ID> or --powerpack-uuid <uuid> (or set src in .plivorc)']],
    ['mms', '14155550100', 'a1b2', ['src: give either --src or --powerpack-uuid, not both']],
    ['sms', 'ABCDEFGHIJKL', undefined, ["src: 'ABCDEFGHIJKL' has 12 characters; an alphanumeric sender ID has at most 11"]],
    ['whatsapp', undefined, undefined, ['src: is required for WhatsApp: give the WhatsApp-enabled sender number with --src']],
    [
      'whatsapp',
      undefined,
      'a1b2',
      [
        'powerpack_uuid: WhatsApp messages cannot use a Powerpack; give the WhatsApp-enabled number as --src',
        'src: is required for WhatsApp: give the WhatsApp-enabled sender number with --src',
      ],
    ],
    ['whatsapp', 'MyShop', undefined, ["src: 'MyShop' is not a phone number; WhatsApp needs the sender's number with its country code"]],
  ])('%s src=%j powerpack=%j → %j', (type, src, powerpackUuid, expected) => {
    expect(lines(checkSender({ type, src, powerpackUuid }))).toEqual(expected);
  });
});

describe('checkDestinations', () => {
  it.each<[string[], string]>([
    [['+1 (415) 555-0101'], '14155550101'],
    [['14155550101<14155550102', '+14155550101'], '14155550101<14155550102'],
    [['447400123456', ''], '447400123456'],
  ])('%j → dst %j', (dst, joined) => {
    const part = checkDestinations(dst, '14155550100');
    expect(lines(part)).toEqual([]);
    expect(part.fields).toEqual({ dst: joined });
    expect(part.destinations).toEqual(joined.split('<'));
  });

  it.each<[string[] | undefined, string | undefined, RegExp[]]>([
    [undefined, undefined, [/^dst: at least one destination is required/]],
    [[''], undefined, [/^dst: at least one destination is required/]],
    [['{{Phone}}'], undefined, [/^dst: '\{\{Phone\}\}' is a placeholder/]],
    [['abc', '14155550101'], undefined, [/^dst: 'abc' is not a phone number/]],
    [['14155550100'], '14155550100', [/^dst: '14155550100' is also the sender/]],
    [['14155550100'], 'MyShop', []],
    [['07700900123', '1415555010'], undefined, [/^dst: .*starts with 0, a national trunk prefix/, /^dst: '1415555010' is not a valid phone number/]],
  ])('%j with src %j → %s', (dst, src, expected) => {
    const found = lines(checkDestinations(dst, src));
    expect(found).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(found[i]).toMatch(pattern));
  });
});

describe('prepareText', () => {
  it.each<[string | undefined, boolean, string | undefined, string | undefined, number]>([
    [undefined, false, undefined, undefined, 0],
    ['', true, '', undefined, 0],
    ['Hello', false, 'Hello', 'GSM-7', 0],
    ['“Quoted”', false, '“Quoted”', 'UCS-2', 0],
    ['“Quoted”', true, '"Quoted"', 'GSM-7', 2],
  ])('%j smart=%j → %j, %s, %i replaced', (text, smartEncoding, sent, encoding, replaced) => {
    const part = prepareText({ text, smartEncoding });
    expect(lines(part)).toEqual([]);
    expect(part.text).toBe(sent);
    expect(part.fields).toEqual(sent ? { text: sent } : {});
    expect(part.count?.encoding).toBe(encoding);
    expect(part.replaced).toHaveLength(replaced);
  });

  it.each<[string, string]>([
    [' \n\t ', 'text: is blank (only spaces or line breaks); give the message text'],
    ['Hi \ud83d there', "text: holds an unpaired UTF-16 surrogate (\\uD83D) at character 4, which no phone can show; fix the text's encoding"],
  ])('%j → %s', (text, expected) => {
    const part = prepareText({ text });
    expect(lines(part)).toEqual([expected]);
    expect(part.fields).toEqual({ text });
  });
});

describe('checkContent', () => {
  const none = { text: undefined, count: undefined };
  const hello = prepareText({ text: 'Hello' });
  const template = { name: 'order_update', language: 'en_US' };

  it.each<[string, Parameters<typeof checkContent>[0], Parameters<typeof checkContent>[1], object]>([
    ['sms text only', { type: 'sms' }, hello, {}],
    [
      'mms urls split on commas that start a URL',
      { type: 'mms', mediaUrls: ['https://e.com/w_1,h_1/a.png,https://e.com/b.png'] },
      none,
      { media_urls: ['https://e.com/w_1,h_1/a.png', 'https://e.com/b.png'] },
    ],
    ['mms urls from a JSON array', { type: 'mms', mediaUrls: [' ["https://e.com/a.png"] '] }, none, { media_urls: ['https://e.com/a.png'] }],
    ['mms ids split on spaces, commas and |', { type: 'mms', mediaIds: ['1, 2|3 '] }, none, { media_ids: ['1', '2', '3'] }],
    ['whatsapp text with one media URL', { type: 'whatsapp', mediaUrls: ['https://e.com/a.png'] }, hello, { media_urls: ['https://e.com/a.png'] }],
    ['whatsapp template as given', { type: 'whatsapp', template }, none, { template }],
  ])('%s', (_name, options, text, fields) => {
    const part = checkContent(options, text);
    expect(lines(part)).toEqual([]);
    expect(part.fields).toEqual(fields);
  });

  it.each<[string, Parameters<typeof checkContent>[0], Parameters<typeof checkContent>[1], RegExp[]]>([
    ['sms without text', { type: 'sms' }, none, [/^text: is required for SMS/]],
    ['sms over 1,600', { type: 'sms' }, prepareText({ text: 'a'.repeat(1601) }), [/^text: .*1,600/]],
    [
      'sms with media and a template',
      { type: 'sms', mediaIds: ['1'], template },
      hello,
      [/^template: is only for WhatsApp/, /^media_urls: SMS cannot carry media/],
    ],
    ['mms without media', { type: 'mms' }, hello, [/^media_urls: MMS needs at least one attachment/]],
    [
      'mms with 11 attachments',
      { type: 'mms', mediaIds: ['1 2 3 4 5 6 7 8 9 10 11'] },
      none,
      [/^media_urls: at most 10 attachments in all \(media_urls \+ media_ids\), got 11$/],
    ],
    [
      'mms text over 1,600',
      { type: 'mms', mediaIds: ['1'] },
      prepareText({ text: 'x'.repeat(1601) }),
      [/^text: is 1601 characters; MMS text may be at most 1600$/],
    ],
    [
      'media URLs not a JSON array of strings',
      { type: 'mms', mediaUrls: ['[1]', '[nope'] },
      none,
      [/^media_urls: '\[1\]' is not a JSON array/, /^media_urls: '\[nope' is not a JSON array/, /^media_urls: MMS needs/],
    ],
    ['whatsapp without content', { type: 'whatsapp' }, none, [/^text: WhatsApp needs content/]],
    [
      'whatsapp media ids and two URLs',
      { type: 'whatsapp', mediaIds: ['1'], mediaUrls: ['https://e.com/a https://e.com/b'] },
      none,
      [/^media_ids: WhatsApp takes media by URL only/, /^media_urls: WhatsApp takes exactly one media URL \(got 2\)$/],
    ],
    [
      'whatsapp media and a location',
      { type: 'whatsapp', mediaUrls: ['https://e.com/a'], location: { latitude: '37.7749', longitude: '-122.4194', name: 'Office', address: '1 Main St' } },
      none,
      [/^media_urls: give exactly one kind of content, not media_urls and location$/],
    ],
    [
      'whatsapp caption over 1,024',
      { type: 'whatsapp', mediaUrls: ['https://e.com/a'] },
      prepareText({ text: 'x'.repeat(1025) }),
      [/^text: is 1025 characters; a media caption may be at most 1024$/],
    ],
    [
      'whatsapp text over 4,096',
      { type: 'whatsapp' },
      prepareText({ text: 'x'.repeat(4097) }),
      [/^text: is 4097 characters; WhatsApp text may be at most 4096$/],
    ],
    ['whatsapp template with a bad name', { type: 'whatsapp', template: { name: 'Order Update', language: 'en' } }, none, [/^template\.name: /]],
  ])('%s', (_name, options, text, expected) => {
    const found = lines(checkContent(options, text));
    expect(found, found.join('\n')).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(found[i]).toMatch(pattern));
  });
});

describe('checkDelivery', () => {
  it.each<[Parameters<typeof checkDelivery>[0], object]>([
    [{}, {}],
    [{ url: ' ', method: '', log: '', trackable: '', messageExpiry: '', dltEntityId: ' ', dltTemplateId: '', dltTemplateCategory: ' ' }, {}],
    [
      { url: ' https://e.com/cb ', method: ' get ' },
      { url: 'https://e.com/cb', method: 'GET' },
    ],
    [{ log: false }, { log: 'false' }],
    [{ log: ' Number_Only ' }, { log: 'number_only' }],
    [{ trackable: 'YES' }, { trackable: true }],
    [{ trackable: '0' }, { trackable: false }],
    [{ trackable: false }, { trackable: false }],
    [{ messageExpiry: ' 300 ' }, { message_expiry: 300 }],
    [{ messageExpiry: 10800 }, { message_expiry: 10800 }],
    [
      { dltEntityId: ' 1201 ', dltTemplateId: '1207', dltTemplateCategory: ' Transactional ' },
      { dlt_entity_id: '1201', dlt_template_id: '1207', dlt_template_category: 'transactional' },
    ],
  ])('%j → %j', (options, fields) => {
    const part = checkDelivery(options);
    expect(lines(part)).toEqual([]);
    expect(part.fields).toEqual(fields);
  });

  it.each<[Parameters<typeof checkDelivery>[0], string]>([
    [{ method: 'POST' }, 'method: sets how the status callback is called: give --url too'],
    [{ trackable: 'sometimes' }, "trackable: 'sometimes' is not a boolean: use true or false"],
    [{ messageExpiry: '3h' }, "message_expiry: '3h' is not a whole number of seconds (5–10799)"],
    [{ messageExpiry: 5.5 }, "message_expiry: '5.5' is not a whole number of seconds (5–10799)"],
  ])('%j → %s', (options, expected) => {
    expect(lines(checkDelivery(options))).toEqual([expected]);
  });
});
