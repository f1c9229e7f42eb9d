import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { buildTemplate, parseJsonText, validateInteractive, validateLocation, validateTemplate } from '../../src/core/whatsapp.js';

type Validator = (value: unknown) => Problem[];

const x = (n: number) => 'x'.repeat(n);
const emoji = (n: number) => '😀'.repeat(n); // one character, two UTF-16 units each

// Fresh valid objects; each case below breaks one rule of one of them.
const textParam = () => ({ type: 'text', text: 'Maya' });
const template = (extra: Record<string, unknown> = {}) => ({ name: 'order_shipped', language: 'en_US', ...extra });
const withComponent = (component: Record<string, unknown>) => template({ components: [component] });
const body = (...parameters: unknown[]) => withComponent({ type: 'body', parameters });
const urlButton = (extra: Record<string, unknown> = {}) => ({ type: 'button', sub_type: 'url', index: '0', parameters: [textParam()], ...extra });
const location = (extra: Record<string, unknown> = {}) => ({
  latitude: '37.7749',
  longitude: '-122.4194',
  name: 'Ferry Building',
  address: '1 Ferry Building, San Francisco',
  ...extra,
});
const currency = (extra: Record<string, unknown> = {}) => ({ fallback_value: '$129.90', currency_code: 'USD', amount_1000: 129900, ...extra });

const replies = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `id_${i}`, title: `Option ${i}` }));
const rows = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: `Row ${i}` }));
const buttons = (action: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  body: { text: 'Can you make it?' },
  action,
  ...extra,
});
const list = (sections: unknown[], extra: Record<string, unknown> = {}) => ({
  type: 'list',
  body: { text: 'Pick one' },
  action: { buttons: [{ title: 'Choose' }], sections },
  ...extra,
});
const cta = (buttonList: unknown[], extra: Record<string, unknown> = {}) => ({
  type: 'cta_url',
  body: { text: 'Track it' },
  action: { buttons: buttonList },
  ...extra,
});
const ctaButton = (extra: Record<string, unknown> = {}) => ({ title: 'Track order', cta_url: 'https://shop.example.com/t/1', ...extra });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('valid shapes', () => {
  it.each<[string, Validator, unknown]>([
    ['template without components', validateTemplate, template()],
    ['template with a language without region', validateTemplate, template({ language: 'en' })],
    ['template body text params', validateTemplate, body(textParam(), { type: 'text', text: '' })],
    ['template named parameter', validateTemplate, body({ type: 'text', parameter_name: 'first_name', text: 'Maya' })],
    ['template media header', validateTemplate, withComponent({ type: 'header', parameters: [{ type: 'media', media: 'http://example.com/a.png' }] })],
    ['template url button', validateTemplate, withComponent(urlButton())],
    [
      'template quick_reply button',
      validateTemplate,
      withComponent({ type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'yes' }] }),
    ],
    ['template currency', validateTemplate, body({ type: 'currency', currency: currency({ amount_1000: -5000 }) })],
    ['template date_time', validateTemplate, body({ type: 'date_time', date_time: { fallback_value: 'June 14' } })],
    ['template location param', validateTemplate, withComponent({ type: 'header', parameters: [{ type: 'location', location: location() }] })],
    ['template footer without parameters', validateTemplate, withComponent({ type: 'footer' })],
    ['template with unknown keys', validateTemplate, template({ namespace: 'abc', components: [{ type: 'body', parameters: [textParam()], extra: 1 }] })],
    ['1 reply button', validateInteractive, buttons({ buttons: replies(1) })],
    ['3 reply buttons at the limits', validateInteractive, buttons({ buttons: [{ id: x(256), title: x(20) }, ...replies(2)] })],
    [
      'titles counted in characters, not UTF-16 units',
      validateInteractive,
      buttons({ buttons: [{ id: 'a', title: emoji(20) }] }, { body: { text: emoji(1024) } }),
    ],
    ['text header and footer at 60', validateInteractive, buttons({ buttons: replies(2) }, { header: { type: 'text', text: x(60) }, footer: { text: x(60) } })],
    ['media header', validateInteractive, buttons({ buttons: replies(2) }, { header: { type: 'media', media: 'https://example.com/a.jpg' } })],
    ['list with one untitled section', validateInteractive, list([{ rows: rows(1) }])],
    ['list with 10 sections and 10 rows', validateInteractive, list(Array.from({ length: 10 }, (_, i) => ({ title: `S${i}`, rows: rows(1, `s${i}r`) })))],
    ['list rows at the limits', validateInteractive, list([{ title: x(24), rows: [{ id: x(200), title: x(24), description: x(72) }] }])],
    ['cta_url', validateInteractive, cta([ctaButton()])],
    ['interactive with unknown keys', validateInteractive, buttons({ buttons: replies(1), extra: true }, { context: { id: 'x' } })],
    ['location', validateLocation, location()],
    ['location at the edges', validateLocation, location({ latitude: '-90', longitude: '180' })],
    ['location with spaces and sign', validateLocation, location({ latitude: ' +45.5 ', longitude: '.5' })],
    ['location with unknown keys', validateLocation, location({ url: 'https://maps.example.com' })],
  ])('%s', (_name, validate, value) => {
    expect(validate(value)).toEqual([]);
  });
});

describe('each rule', () => {
  it.each<[string, Validator, unknown, string, string]>([
    // template
    ['template not an object', validateTemplate, [], 'template', 'must be an object (got an array)'],
    ['name missing', validateTemplate, { language: 'en' }, 'template.name', 'is required'],
    ['name empty', validateTemplate, template({ name: '' }), 'template.name', 'must not be empty'],
    ['name with capitals and dashes', validateTemplate, template({ name: 'Order-Update' }), 'template.name', 'lowercase letters, digits and underscores'],
    ['language missing', validateTemplate, { name: 'a' }, 'template.language', 'is required'],
    ['language empty', validateTemplate, template({ language: '' }), 'template.language', 'must not be empty'],
    ['language a number', validateTemplate, template({ language: 1 }), 'template.language', 'must be a string (got the number 1)'],
    ['components not an array', validateTemplate, template({ components: {} }), 'template.components', 'must be an array'],
    [
      'component type unknown',
      validateTemplate,
      withComponent({ type: 'title', parameters: [] }),
      'template.components.0.type',
      'must be one of "header", "body", "button", "footer"',
    ],
    ['component type missing', validateTemplate, withComponent({ parameters: [] }), 'template.components.0.type', 'is required'],
    ['parameters missing', validateTemplate, withComponent({ type: 'body' }), 'template.components.0.parameters', 'is required'],
    [
      'button sub_type missing',
      validateTemplate,
      withComponent(urlButton({ sub_type: undefined })),
      'template.components.0.sub_type',
      'is required for a button component',
    ],
    [
      'button sub_type unknown',
      validateTemplate,
      withComponent(urlButton({ sub_type: 'call' })),
      'template.components.0.sub_type',
      'must be one of "url", "quick_reply"',
    ],
    [
      'button index missing',
      validateTemplate,
      withComponent(urlButton({ index: undefined })),
      'template.components.0.index',
      'is required for a button component',
    ],
    ['button index a number', validateTemplate, withComponent(urlButton({ index: 0 })), 'template.components.0.index', 'quote it, e.g. "index": "0"'],
    ['button index not digits', validateTemplate, withComponent(urlButton({ index: 'first' })), 'template.components.0.index', 'e.g. "0" (got "first")'],
    ['parameter not an object', validateTemplate, body('Maya'), 'template.components.0.parameters.0', 'must be an object (got "Maya")'],
    [
      'parameter type unknown',
      validateTemplate,
      body({ type: 'video', text: 'x' }),
      'template.components.0.parameters.0.type',
      'must be one of "text", "media"',
    ],
    [
      'text value missing',
      validateTemplate,
      body({ type: 'text', value: 'Maya' }),
      'template.components.0.parameters.0.text',
      'is required for a text parameter',
    ],
    [
      'text value a number',
      validateTemplate,
      body({ type: 'text', text: 5 }),
      'template.components.0.parameters.0.text',
      'must be a string (got the number 5)',
    ],
    ['media value missing', validateTemplate, body({ type: 'media' }), 'template.components.0.parameters.0.media', 'is required for a media parameter'],
    [
      'media not a URL',
      validateTemplate,
      body({ type: 'media', media: 'parcel.jpg' }),
      'template.components.0.parameters.0.media',
      'absolute http:// or https:// URL (got "parcel.jpg")',
    ],
    [
      'media not http',
      validateTemplate,
      body({ type: 'media', media: 'ftp://example.com/a.jpg' }),
      'template.components.0.parameters.0.media',
      'absolute http:// or https:// URL',
    ],
    ['payload missing', validateTemplate, body({ type: 'payload' }), 'template.components.0.parameters.0.payload', 'is required for a payload parameter'],
    ['currency missing', validateTemplate, body({ type: 'currency' }), 'template.components.0.parameters.0.currency', 'is required for a currency parameter'],
    [
      'currency fallback missing',
      validateTemplate,
      body({ type: 'currency', currency: currency({ fallback_value: undefined }) }),
      'template.components.0.parameters.0.currency.fallback_value',
      'is required',
    ],
    [
      'currency code not 3 letters',
      validateTemplate,
      body({ type: 'currency', currency: currency({ currency_code: 'US$' }) }),
      'template.components.0.parameters.0.currency.currency_code',
      '3-letter ISO 4217 code like "USD" (got "US$")',
    ],
    [
      'amount_1000 a string',
      validateTemplate,
      body({ type: 'currency', currency: currency({ amount_1000: '129900' }) }),
      'template.components.0.parameters.0.currency.amount_1000',
      'must be a number, not a string (got "129900")',
    ],
    [
      'amount_1000 not an integer',
      validateTemplate,
      body({ type: 'currency', currency: currency({ amount_1000: 129.9 }) }),
      'template.components.0.parameters.0.currency.amount_1000',
      'must be an integer',
    ],
    [
      'amount_1000 missing',
      validateTemplate,
      body({ type: 'currency', currency: currency({ amount_1000: undefined }) }),
      'template.components.0.parameters.0.currency.amount_1000',
      'is required',
    ],
    [
      'date_time fallback missing',
      validateTemplate,
      body({ type: 'date_time', date_time: {} }),
      'template.components.0.parameters.0.date_time.fallback_value',
      'is required',
    ],
    [
      'location param latitude a number',
      validateTemplate,
      body({ type: 'location', location: location({ latitude: 37.7749 }) }),
      'template.components.0.parameters.0.location.latitude',
      'send it as "37.7749"',
    ],
    [
      'parameter_name empty',
      validateTemplate,
      body({ type: 'text', text: 'a', parameter_name: '' }),
      'template.components.0.parameters.0.parameter_name',
      'must not be empty',
    ],
    // interactive
    ['interactive not an object', validateInteractive, 'button', 'interactive', 'must be an object (got "button")'],
    ['type missing', validateInteractive, buttons({ buttons: replies(1) }, { type: undefined }), 'interactive.type', 'is required'],
    [
      'type unknown',
      validateInteractive,
      buttons({ buttons: replies(1) }, { type: 'carousel' }),
      'interactive.type',
      'must be one of "button", "list", "cta_url" (got "carousel")',
    ],
    ['body missing', validateInteractive, buttons({ buttons: replies(1) }, { body: undefined }), 'interactive.body', 'is required'],
    ['body text missing', validateInteractive, buttons({ buttons: replies(1) }, { body: {} }), 'interactive.body.text', 'is required'],
    ['body text empty', validateInteractive, buttons({ buttons: replies(1) }, { body: { text: '' } }), 'interactive.body.text', 'must not be empty'],
    [
      'body text too long',
      validateInteractive,
      buttons({ buttons: replies(1) }, { body: { text: x(1025) } }),
      'interactive.body.text',
      'at most 1024 characters (got 1025)',
    ],
    [
      'body length in characters',
      validateInteractive,
      buttons({ buttons: replies(1) }, { body: { text: emoji(1025) } }),
      'interactive.body.text',
      'at most 1024 characters (got 1025)',
    ],
    [
      'header type unknown',
      validateInteractive,
      buttons({ buttons: replies(1) }, { header: { type: 'image', media: 'https://e.com/a' } }),
      'interactive.header.type',
      'must be one of "text", "media"',
    ],
    [
      'header text too long',
      validateInteractive,
      buttons({ buttons: replies(1) }, { header: { type: 'text', text: x(61) } }),
      'interactive.header.text',
      'at most 60 characters (got 61)',
    ],
    [
      'header text missing',
      validateInteractive,
      buttons({ buttons: replies(1) }, { header: { type: 'text' } }),
      'interactive.header.text',
      'is required when header.type is "text"',
    ],
    [
      'header media missing',
      validateInteractive,
      buttons({ buttons: replies(1) }, { header: { type: 'media', text: 'x' } }),
      'interactive.header.media',
      'is required when header.type is "media"',
    ],
    [
      'header media not a URL',
      validateInteractive,
      buttons({ buttons: replies(1) }, { header: { type: 'media', media: 'a.jpg' } }),
      'interactive.header.media',
      'absolute http:// or https:// URL',
    ],
    [
      'footer text too long',
      validateInteractive,
      buttons({ buttons: replies(1) }, { footer: { text: x(61) } }),
      'interactive.footer.text',
      'at most 60 characters (got 61)',
    ],
    ['action missing', validateInteractive, { type: 'button', body: { text: 'hi' } }, 'interactive.action', 'is required'],
    ['reply buttons missing', validateInteractive, buttons({}), 'interactive.action.buttons', 'needs 1 to 3 reply buttons'],
    ['no reply buttons', validateInteractive, buttons({ buttons: [] }), 'interactive.action.buttons', 'at least 1 reply button (got 0)'],
    ['4 reply buttons', validateInteractive, buttons({ buttons: replies(4) }), 'interactive.action.buttons', 'at most 3 reply buttons (got 4)'],
    [
      'reply title too long',
      validateInteractive,
      buttons({ buttons: [{ id: 'a', title: x(21) }] }),
      'interactive.action.buttons.0.title',
      'at most 20 characters (got 21)',
    ],
    [
      'reply title length in characters',
      validateInteractive,
      buttons({ buttons: [{ id: 'a', title: emoji(21) }] }),
      'interactive.action.buttons.0.title',
      'at most 20 characters (got 21)',
    ],
    ['reply title missing', validateInteractive, buttons({ buttons: [{ id: 'a' }] }), 'interactive.action.buttons.0.title', 'is required'],
    ['reply id missing', validateInteractive, buttons({ buttons: [{ title: 'Yes' }] }), 'interactive.action.buttons.0.id', 'is required for a reply button'],
    [
      'reply id too long',
      validateInteractive,
      buttons({ buttons: [{ id: x(257), title: 'Yes' }] }),
      'interactive.action.buttons.0.id',
      'at most 256 characters (got 257)',
    ],
    [
      'reply ids not unique',
      validateInteractive,
      buttons({
        buttons: [
          { id: 'yes', title: 'Yes' },
          { id: 'yes', title: 'Sure' },
        ],
      }),
      'interactive.action.buttons.1.id',
      'must be unique: "yes" is also the id of action.buttons.0',
    ],
    [
      'list sections missing',
      validateInteractive,
      { ...list([]), action: { buttons: [{ title: 'Choose' }] } },
      'interactive.action.sections',
      'needs 1 to 10 sections',
    ],
    ['list with no sections', validateInteractive, list([]), 'interactive.action.sections', 'at least 1 section (got 0)'],
    [
      'list with 11 sections',
      validateInteractive,
      list(Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: rows(0) }))),
      'interactive.action.sections',
      'at most 10 sections (got 11)',
    ],
    [
      'list with 11 rows',
      validateInteractive,
      list([
        { title: 'A', rows: rows(6, 'a') },
        { title: 'B', rows: rows(5, 'b') },
      ]),
      'interactive.action.sections',
      'at most 10 rows in total across all sections (got 11)',
    ],
    ['list with no rows', validateInteractive, list([{ rows: [] }]), 'interactive.action.sections', 'at least 1 row in total (got 0)'],
    ['section rows missing', validateInteractive, list([{ title: 'A' }]), 'interactive.action.sections.0.rows', 'is required'],
    [
      'section title missing with 2 sections',
      validateInteractive,
      list([{ rows: rows(1, 'a') }, { title: 'B', rows: rows(1, 'b') }]),
      'interactive.action.sections.0.title',
      'is required when there is more than 1 section (got 2)',
    ],
    [
      'section title too long',
      validateInteractive,
      list([{ title: x(25), rows: rows(1) }]),
      'interactive.action.sections.0.title',
      'at most 24 characters (got 25)',
    ],
    ['row id missing', validateInteractive, list([{ rows: [{ title: 'A' }] }]), 'interactive.action.sections.0.rows.0.id', 'is required'],
    [
      'row id too long',
      validateInteractive,
      list([{ rows: [{ id: x(201), title: 'A' }] }]),
      'interactive.action.sections.0.rows.0.id',
      'at most 200 characters (got 201)',
    ],
    ['row title missing', validateInteractive, list([{ rows: [{ id: 'a' }] }]), 'interactive.action.sections.0.rows.0.title', 'is required'],
    [
      'row title too long',
      validateInteractive,
      list([{ rows: [{ id: 'a', title: x(25) }] }]),
      'interactive.action.sections.0.rows.0.title',
      'at most 24 characters (got 25)',
    ],
    [
      'row description too long',
      validateInteractive,
      list([{ rows: [{ id: 'a', title: 'A', description: x(73) }] }]),
      'interactive.action.sections.0.rows.0.description',
      'at most 72 characters (got 73)',
    ],
    [
      'row ids not unique',
      validateInteractive,
      list([
        { title: 'A', rows: rows(1) },
        { title: 'B', rows: rows(1) },
      ]),
      'interactive.action.sections.1.rows.0.id',
      'must be unique: "r0" is also the id of action.sections.0.rows.0',
    ],
    [
      'list button missing',
      validateInteractive,
      { ...list([]), action: { sections: [{ rows: rows(1) }] } },
      'interactive.action.buttons',
      'the label (at most 20 characters) of the button that opens it',
    ],
    [
      'list button label too long',
      validateInteractive,
      { ...list([]), action: { buttons: [{ title: x(21) }], sections: [{ rows: rows(1) }] } },
      'interactive.action.buttons.0.title',
      'at most 20 characters (got 21)',
    ],
    [
      'list button label missing',
      validateInteractive,
      { ...list([]), action: { buttons: [{}], sections: [{ rows: rows(1) }] } },
      'interactive.action.buttons.0.title',
      'is required',
    ],
    ['cta_url buttons missing', validateInteractive, { ...cta([]), action: {} }, 'interactive.action.buttons', 'exactly 1 button'],
    [
      'cta_url with 2 buttons',
      validateInteractive,
      cta([ctaButton(), ctaButton()]),
      'interactive.action.buttons',
      'exactly 1 button for a cta_url message (got 2)',
    ],
    ['cta_url with no button', validateInteractive, cta([]), 'interactive.action.buttons', 'exactly 1 button for a cta_url message (got 0)'],
    ['cta_url url missing', validateInteractive, cta([ctaButton({ cta_url: undefined })]), 'interactive.action.buttons.0.cta_url', 'is required'],
    [
      'cta_url url not absolute',
      validateInteractive,
      cta([ctaButton({ cta_url: 'www.example.com' })]),
      'interactive.action.buttons.0.cta_url',
      'absolute http:// or https:// URL (got "www.example.com")',
    ],
    ['cta_url title too long', validateInteractive, cta([ctaButton({ title: x(21) })]), 'interactive.action.buttons.0.title', 'at most 20 characters (got 21)'],
    // location
    ['location not an object', validateLocation, null, 'location', 'must be an object (got null)'],
    [
      'latitude a number',
      validateLocation,
      location({ latitude: 37.7749 }),
      'location.latitude',
      'must be a string like "37.7749", not a number: send it as "37.7749"',
    ],
    ['longitude a number', validateLocation, location({ longitude: -122.4 }), 'location.longitude', 'send it as "-122.4"'],
    ['latitude missing', validateLocation, location({ latitude: undefined }), 'location.latitude', 'is required'],
    ['longitude missing', validateLocation, location({ longitude: undefined }), 'location.longitude', 'is required'],
    ['name missing', validateLocation, location({ name: undefined }), 'location.name', 'is required'],
    ['address missing', validateLocation, location({ address: undefined }), 'location.address', 'is required'],
    ['name a number', validateLocation, location({ name: 7 }), 'location.name', 'must be a string (got the number 7)'],
    ['latitude out of range', validateLocation, location({ latitude: '90.5' }), 'location.latitude', 'must be between -90 and 90 (got 90.5)'],
    ['longitude out of range', validateLocation, location({ longitude: '-181' }), 'location.longitude', 'must be between -180 and 180 (got -181)'],
    ['latitude not a number', validateLocation, location({ latitude: '37°46′N' }), 'location.latitude', 'decimal degrees like "37.7749"'],
    ['latitude empty', validateLocation, location({ latitude: '' }), 'location.latitude', 'decimal degrees'],
    ['latitude in hex', validateLocation, location({ latitude: '0x10' }), 'location.latitude', 'decimal degrees'],
  ])('%s', (_name, validate, value, field, message) => {
    expect(validate(value)).toContainEqual({ field, message: expect.stringContaining(message) });
  });
});

describe('several problems at once', () => {
  it('reports every template problem', () => {
    const problems = validateTemplate({
      name: 'Order Update',
      components: [
        { type: 'button', index: 0, parameters: [{ type: 'text' }] },
        {
          type: 'body',
          parameters: [
            { type: 'currency', currency: { currency_code: 'usd', amount_1000: 1.5 } },
            { type: 'media', media: 'x' },
          ],
        },
      ],
    });
    expect(problems.map((p) => p.field).sort()).toEqual(
      [
        'template.name',
        'template.language',
        'template.components.0.index',
        'template.components.0.sub_type',
        'template.components.0.parameters.0.text',
        'template.components.1.parameters.0.currency.fallback_value',
        'template.components.1.parameters.0.currency.amount_1000',
        'template.components.1.parameters.1.media',
      ].sort(),
    );
  });

  it('reports every interactive problem, including type-specific ones next to type errors', () => {
    const problems = validateInteractive({
      type: 'button',
      header: { type: 'text', text: x(61) },
      body: { text: 5 },
      footer: { text: x(70) },
      action: { buttons: [{ id: 'a', title: x(21) }, { id: 'a', title: 'B' }, { title: 'C' }, { id: 'd', title: 'D' }] },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'interactive.header.text', message: 'at most 60 characters (got 61)' },
        { field: 'interactive.body.text', message: 'must be a string (got the number 5)' },
        { field: 'interactive.footer.text', message: 'at most 60 characters (got 70)' },
        { field: 'interactive.action.buttons', message: 'at most 3 reply buttons (got 4)' },
        { field: 'interactive.action.buttons.0.title', message: 'at most 20 characters (got 21)' },
        expect.objectContaining({ field: 'interactive.action.buttons.1.id' }),
        expect.objectContaining({ field: 'interactive.action.buttons.2.id' }),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('reports every location problem', () => {
    expect(validateLocation({ latitude: 37.7, longitude: '200' }).map((p) => p.field)).toEqual([
      'location.latitude',
      'location.longitude',
      'location.name',
      'location.address',
    ]);
  });
});

describe('validators never change their input', () => {
  const inputs: Array<[string, Validator, unknown]> = [
    ['valid template', validateTemplate, withComponent(urlButton({ extra: { nested: [1, 2] } }))],
    ['invalid template', validateTemplate, withComponent(urlButton({ index: 0, sub_type: 'x' }))],
    ['valid list', validateInteractive, list([{ title: 'A', rows: rows(2) }], { unknown: 'kept' })],
    ['invalid buttons', validateInteractive, buttons({ buttons: replies(5) }, { header: { type: 'text' } })],
    ['valid location', validateLocation, location({ extra: 1 })],
    ['invalid location', validateLocation, location({ latitude: 1 })],
  ];
  it.each(inputs)('%s', (_name, validate, value) => {
    const before = structuredClone(value);
    validate(deepFreeze(value)); // a write to a frozen object throws in strict mode
    expect(value).toEqual(before);
    expect(JSON.stringify(value)).toBe(JSON.stringify(before)); // same key order too
  });
});

describe('parseJsonText', () => {
  it('parses JSON', () => {
    expect(parseJsonText('{"name": "a", "n": [1]}', 'template')).toEqual({ ok: true, value: { name: 'a', n: [1] } });
  });

  it.each([
    ['an unexpected token (no position in V8 message)', '{\n  "name": "a",\n  "language":\n    }\n', "Unexpected token '}' at line 4, column 5"],
    ['a trailing comma (position in V8 message)', '{\n  "name": "a",\n}', 'at line 3, column 1'],
    ['trailing garbage', '{"name": "a"} x', 'at line 1, column 15'],
    ['a second object', '{"a": 1}\n{"b": 2}', 'at line 2, column 1'],
    ['an unterminated object', '{\n  "name": "a"\n\n', 'at line 2, column 14 (a closing }, ] or " may be missing)'],
    ['a cut-off literal', '[\n  tru', 'Unexpected end of JSON input at line 2, column 6 (a closing }, ] or " may be missing)'],
    ['columns counted in characters', '{"😀": }', 'at line 1, column 7'],
    ['an unterminated string', '{"a": "b\n}', 'at line 1'],
  ])('reports line and column for %s', (_name, text, message) => {
    const result = parseJsonText(text, 'template');
    expect(result).toEqual({ ok: false, problem: { field: 'template', message: expect.stringContaining(message) } });
    if (!result.ok) {
      expect(result.problem.message).toMatch(/^is not valid JSON: /);
      expect(result.problem.message).not.toMatch(/position|is not valid JSON$/);
    }
  });

  it.each(['', '   ', '\n\t\n', '\uFEFF'])('says empty input is empty: %j', (text) => {
    expect(parseJsonText(text, 'location')).toEqual({ ok: false, problem: { field: 'location', message: expect.stringContaining('is empty') } });
  });

  it('accepts a byte-order mark', () => {
    expect(parseJsonText('\uFEFF{"a": 1}', 'template')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('suggests @ when given a file path', () => {
    const result = parseJsonText('examples/template.json', 'template');
    expect(result.ok ? '' : result.problem.message).toContain('prefix its path with @ (e.g. @examples/template.json)');
  });
});

describe('buildTemplate', () => {
  it('puts the params in a body component', () => {
    expect(buildTemplate('order_shipped', 'en_US', ['Maya', '#48213'])).toEqual({
      name: 'order_shipped',
      language: 'en_US',
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Maya' },
            { type: 'text', text: '#48213' },
          ],
        },
      ],
    });
  });

  it('has no components without params', () => {
    expect(buildTemplate('hello_world', 'en', [])).toEqual({ name: 'hello_world', language: 'en' });
  });

  it.each([[[]], [['Maya']], [['a', 'b', 'c']]])('builds a valid template from %j', (params) => {
    expect(validateTemplate(buildTemplate('order_shipped', 'en_US', params))).toEqual([]);
  });

  it('leaves validation to validateTemplate', () => {
    expect(validateTemplate(buildTemplate('Order Shipped', '', ['x']))).toEqual([
      expect.objectContaining({ field: 'template.name' }),
      expect.objectContaining({ field: 'template.language' }),
    ]);
  });
});

describe('examples/', () => {
  it.each<[string, Validator]>([
    ['template.json', validateTemplate],
    ['interactive-buttons.json', validateInteractive],
    ['interactive-list.json', validateInteractive],
    ['interactive-cta-url.json', validateInteractive],
    ['location.json', validateLocation],
  ])('%s is valid', (file, validate) => {
    const text = readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8');
    const parsed = parseJsonText(text, file);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(validate(parsed.value)).toEqual([]);
  });
});
