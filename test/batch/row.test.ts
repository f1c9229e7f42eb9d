import { describe, expect, it } from 'vitest';
import { compileTemplate, type Template } from '../../src/batch/template.js';
import { compileRowSpec, describeProblems, prepareRow, type RowSpec } from '../../src/batch/row.js';
import type { MessageOptions } from '../../src/core/message.js';

function template(text: string): Template {
  const compiled = compileTemplate(text);
  if (!compiled.ok) throw new Error(compiled.problem);
  return compiled.template;
}

function spec(header: string[], defaults: Partial<MessageOptions> = {}, text?: string): RowSpec {
  const compiled = compileRowSpec(header, { type: 'sms', src: '14155550100', ...defaults }, text === undefined ? undefined : template(text));
  if (!compiled.ok) throw new Error(compiled.problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
  return compiled.spec;
}

function render(s: RowSpec, cells: string[]) {
  const p = prepareRow(s, 1, cells);
  return p.ok ? { body: p.message.body, segments: p.message.count?.segments } : { problems: p.problems.map((x) => `${x.field}: ${x.message}`) };
}

describe('compileTemplate', () => {
  it.each([
    ['Hi {{name}}, code {{code}}', ['Hi ', ', code ', ''], ['name', 'code']],
    ['{{ name }}!', ['', '!'], ['name']],
    ['no placeholders', ['no placeholders'], []],
    ['{{a}}{{b}}', ['', '', ''], ['a', 'b']],
    ['single { and } braces', ['single { and } braces'], []],
    ['{{first name}}', ['', ''], ['first name']],
  ])('%j → literals and names', (text, literals, names) => {
    expect(compileTemplate(text)).toEqual({ ok: true, template: { literals, names } });
  });

  it.each([
    ['Hi {{name', "'{{' at character 4 is never closed with '}}'"],
    ['Hi {{}}', "'{{}}' at character 4 does not name a column"],
    ['Hi {{ }}', "'{{ }}' at character 4 does not name a column"],
  ])('%j is refused once, up front', (text, problem) => {
    expect(compileTemplate(text)).toEqual({ ok: false, problem });
  });
});

describe('prepareRow', () => {
  it('fills placeholders from the row and counts segments', () => {
    const s = spec(['dst', 'name', 'code'], {}, 'Hi {{name}}, code {{code}}');
    expect(render(s, ['14155550101', 'Ada', '123'])).toEqual({
      body: { src: '14155550100', dst: '14155550101', text: 'Hi Ada, code 123', type: 'sms' },
      segments: 1,
    });
  });

  it('makes a row invalid when a placeholder cell is blank, rather than sending a hole', () => {
    const s = spec(['dst', 'name'], {}, 'Hi {{name}}');
    expect(render(s, ['14155550101', '  '])).toEqual({ problems: ["text: {{name}} is blank in this row; fill the 'name' cell or remove the row"] });
  });

  it('uses a text column as it is, placeholders and all', () => {
    const s = spec(['dst', 'text', 'name'], {}, 'Hi {{name}}');
    expect(render(s, ['14155550101', 'Literal {{name}} ', 'Ada'])).toMatchObject({ body: { text: 'Literal {{name}} ' } });
  });

  it('falls back to the --text template when the text cell is blank', () => {
    const s = spec(['dst', 'text', 'name'], {}, 'Hi {{name}}');
    expect(render(s, ['14155550101', '', 'Ada'])).toMatchObject({ body: { text: 'Hi Ada' } });
  });

  it('lets API-field columns override the defaults, blank cells keep them', () => {
    const s = spec(['DST', ' src ', 'log', 'trackable', 'message_expiry', 'url', 'method'], { log: 'true' }, 'Hello');
    expect(render(s, ['+1 (415) 555-0101', '14155550199', 'number_only', 'true', '600', 'https://e.com/cb', 'get'])).toEqual({
      body: {
        src: '14155550199',
        dst: '14155550101',
        text: 'Hello',
        type: 'sms',
        url: 'https://e.com/cb',
        method: 'GET',
        log: 'number_only',
        trackable: true,
        message_expiry: 600,
      },
      segments: 1,
    });
    expect(render(s, ['14155550101', '', '', '', '', '', ''])).toMatchObject({ body: { src: '14155550100', log: 'true' } });
  });

  it('a row src beats a default powerpack_uuid, and the reverse', () => {
    const s = spec(['dst', 'src', 'powerpack_uuid'], { src: undefined, powerpackUuid: 'pp-default' }, 'Hello');
    expect(render(s, ['14155550101', '14155550199', ''])).toMatchObject({ body: { src: '14155550199' } });
    expect((render(s, ['14155550101', '14155550199', '']) as { body: object }).body).not.toHaveProperty('powerpack_uuid');
    expect(render(s, ['14155550101', '', ''])).toMatchObject({ body: { powerpack_uuid: 'pp-default' } });
  });

  it('reports a ragged row as invalid instead of guessing', () => {
    const s = spec(['dst', 'name'], {}, 'Hi {{name}}');
    expect(render(s, ['14155550101'])).toEqual({
      problems: ['csv: the row has 1 cell but the header has 2 columns (a missing or extra separator, or an unquoted separator in a value?)'],
    });
    expect(render(s, ['14155550101', 'Ada', 'extra'])).toMatchObject({ problems: [expect.stringMatching(/has 3 cells/)] });
  });

  it('collects template and body problems together', () => {
    const s = spec(['dst', 'name'], {}, 'Hi {{name}}');
    expect(render(s, ['123', ''])).toEqual({
      problems: [
        "text: {{name}} is blank in this row; fill the 'name' cell or remove the row",
        "dst: '123' is too short for a phone number with its country code",
      ],
    });
  });

  it('parses WhatsApp JSON cells, and reports bad JSON as the row’s problem', () => {
    const compiled = compileRowSpec(['dst', 'template'], { type: 'whatsapp', src: '14155550100' }, undefined);
    if (!compiled.ok) throw new Error('spec');
    const good = prepareRow(compiled.spec, 1, ['14155550101', '{"name":"order_update","language":"en_US"}']);
    expect(good.ok && good.message.body.template).toEqual({ name: 'order_update', language: 'en_US' });
    const bad = prepareRow(compiled.spec, 2, ['14155550101', '{"name":']);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems[0]!.field).toBe('template');
  });

  it.each([
    ['https://e.com/a.jpg, https://e.com/b.jpg', ['https://e.com/a.jpg', 'https://e.com/b.jpg']],
    ['https://e.com/a.jpg https://e.com/b.jpg', ['https://e.com/a.jpg', 'https://e.com/b.jpg']],
    ['https://e.com/a.jpg|https://e.com/b.jpg', ['https://e.com/a.jpg', 'https://e.com/b.jpg']],
    ['https://res.example.com/w_100,h_100/x.jpg', ['https://res.example.com/w_100,h_100/x.jpg']],
    ['https://res.example.com/w_100,h_100/x.jpg,https://e.com/b.jpg', ['https://res.example.com/w_100,h_100/x.jpg', 'https://e.com/b.jpg']],
    ['["https://res.example.com/w_100,h_100/x.jpg", "https://e.com/b.jpg"]', ['https://res.example.com/w_100,h_100/x.jpg', 'https://e.com/b.jpg']],
  ])('splits the media_urls cell %j keeping commas inside URLs', (cell, urls) => {
    const compiled = compileRowSpec(['dst', 'media_urls'], { type: 'mms', src: '14155550100' }, undefined);
    if (!compiled.ok) throw new Error('spec');
    const p = prepareRow(compiled.spec, 1, ['14155550101', cell]);
    expect(p.ok && p.message.body.media_urls).toEqual(urls);
  });

  it('refuses a media_urls cell that starts like a JSON array but is not one', () => {
    const compiled = compileRowSpec(['dst', 'media_urls'], { type: 'mms', src: '14155550100' }, undefined);
    if (!compiled.ok) throw new Error('spec');
    expect(render(compiled.spec, ['14155550101', '["https://e.com/a.jpg"'])).toMatchObject({
      problems: expect.arrayContaining([expect.stringMatching(/^media_urls: '\["https:\/\/e.com\/a.jpg"' is not a JSON array of URL strings/)]),
    });
  });

  it("fills --dst '{{Phone}}' from any column, and a blank cell makes the row invalid", () => {
    const s = spec(['Phone', 'name'], { dst: ['{{Phone}}'] }, 'Hi {{name}}');
    expect(render(s, ['+1 415 555 0101', 'Ada'])).toMatchObject({ body: { dst: '14155550101', text: 'Hi Ada' } });
    expect(render(s, [' ', 'Ada'])).toEqual({
      problems: [
        "dst: {{Phone}} is blank in this row; fill the 'Phone' cell or remove the row",
        'dst: at least one destination is required: pass --dst <number> with the country code',
      ],
    });
    const failed = prepareRow(s, 7, ['', 'Ada']);
    expect(!failed.ok && failed.row).toBe(7);
  });

  it('a dst column still beats a --dst template in the rows that fill it', () => {
    const s = spec(['dst', 'mobile'], { dst: ['{{mobile}}'] }, 'Hi');
    expect(render(s, ['14155550101', '14155550102'])).toMatchObject({ body: { dst: '14155550101' } });
    expect(render(s, ['', '14155550102'])).toMatchObject({ body: { dst: '14155550102' } });
  });

  it('with --skip-duplicates marks each repeat of (dst, text) invalid, naming the first row', () => {
    const compiled = compileRowSpec(['dst', 'text'], { type: 'sms', src: '14155550100' }, undefined, { skipDuplicates: true });
    if (!compiled.ok) throw new Error('spec');
    const rows = [
      ['14155550101', 'Hi'],
      ['+1 415 555 0101', 'Hi'],
      ['14155550101', 'Hi!'],
      ['14155550101', 'Hi'],
    ];
    const prepared = rows.map((cells, i) => prepareRow(compiled.spec, i + 1, cells));
    expect(prepared.map((p) => (p.ok ? 'ok' : `${p.duplicateOf}: ${describeProblems(p.problems)}`))).toEqual([
      'ok',
      '1: duplicate of row 1 (--skip-duplicates)',
      'ok',
      '1: duplicate of row 1 (--skip-duplicates)',
    ]);
  });
});

describe('compileRowSpec', () => {
  const problems = (header: string[], defaults: Partial<MessageOptions>, text?: string) => {
    const r = compileRowSpec(header, { type: 'sms', src: '14155550100', ...defaults }, text === undefined ? undefined : template(text));
    return r.ok ? [] : r.problems.map((p) => `${p.field}: ${p.message}`);
  };

  it('needs a dst column or a --dst default', () => {
    expect(problems(['name'], {}, 'Hi')).toEqual([expect.stringMatching(/^csv: no 'dst' column \(the header is: name\)/)]);
    expect(problems(['name'], { dst: ['14155550101'] }, 'Hi')).toEqual([]);
  });

  it('needs text for SMS: a text column or --text', () => {
    expect(problems(['dst'], {})).toEqual([expect.stringMatching(/^text: SMS needs text/)]);
    expect(problems(['dst', 'text'], {})).toEqual([]);
  });

  it('refuses a placeholder naming no column, up front, naming the columns there are', () => {
    expect(problems(['dst', 'name'], {}, 'Hi {{Name}}')).toEqual([
      "text: {{Name}} names no column of the CSV (columns: dst, name); fix the placeholder or add a 'Name' column",
    ]);
    expect(problems(['name'], { dst: ['{{phone}}'] }, 'Hi')).toEqual([
      "dst: {{phone}} names no column of the CSV (columns: name); fix the placeholder or add a 'phone' column",
    ]);
    expect(problems(['name'], { dst: ['{{phone'] }, 'Hi')).toEqual(["dst: '{{' at character 1 is never closed with '}}'"]);
  });

  it('needs a sender: options, or a src / powerpack_uuid column', () => {
    const noSender = { src: undefined };
    expect(problems(['dst'], noSender, 'Hi')).toEqual([expect.stringMatching(/^src: no sender: pass --src <number or sender ID> or --powerpack-uuid <uuid>/)]);
    expect(problems(['dst', 'src'], noSender, 'Hi')).toEqual([]);
    expect(problems(['dst', 'powerpack_uuid'], noSender, 'Hi')).toEqual([]);
    expect(problems(['dst'], { src: undefined, powerpackUuid: 'pp' }, 'Hi')).toEqual([]);
    expect(compileRowSpec(['dst', 'powerpack_uuid'], { type: 'whatsapp' }, template('Hi'))).toMatchObject({
      ok: false,
      problems: [{ field: 'src', message: expect.stringMatching(/^no sender: WhatsApp needs --src/) }],
    });
  });

  it('lists every problem no row can fix together', () => {
    expect(problems(['name'], { src: undefined }, 'Hi {{nmae}}')).toEqual([
      expect.stringMatching(/^text: \{\{nmae\}\} names no column/),
      expect.stringMatching(/^csv: no 'dst' column/),
      expect.stringMatching(/^src: no sender/),
    ]);
  });

  it('refuses a duplicated field column and an ambiguous placeholder column', () => {
    expect(problems(['dst', 'Dst'], {}, 'Hi')).toEqual(["csv: the header has two 'dst' columns (columns 1 and 2); keep one"]);
    expect(problems(['dst', 'name', 'name'], {}, 'Hi {{name}}')).toEqual(["csv: the header has 2 'name' columns, so {{name}} is ambiguous; rename one"]);
    expect(problems(['dst', 'x', 'x'], {}, 'Hi')).toEqual([]);
  });
});
