import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { makeProgram } from '../../src/program.js';
import { NOT_REPEATED, repeatedFlags, resumeCommand } from '../../src/flows/resume.js';

const ctx = { version: '0.0.0', io: {} } as unknown as Context;

describe('the printed resume command', () => {
  it.each(['sms', 'mms', 'whatsapp'])('repeats every flag of %s that shapes a row or a check (or names why not)', (name) => {
    const command = makeProgram(ctx, { exitCode: 0, json: false, debug: false }).commands.find((c) => c.name() === name)!;
    const repeated = new Set<string>([...repeatedFlags(), ...NOT_REPEATED]);
    const missing = command.options.map((o) => o.long!).filter((flag) => !repeated.has(flag));
    expect(missing).toEqual([]);
  });

  it('keeps the suppression lists, the cost ceiling and how numbers are read', () => {
    const command = resumeCommand('sms', {
      csv: 'people.csv',
      journal: 'j.jsonl',
      suppress: ['stop.txt', 'opt outs.csv'],
      maxCost: '12.40',
      country: 'US',
      numberCheck: false,
      yes: true,
    });
    expect(command).toBe(
      "plivo-send sms --csv people.csv --journal j.jsonl --country US --max-cost 12.40 --suppress stop.txt --suppress 'opt outs.csv' --yes --no-number-check --resume",
    );
  });
});
