/**
 * What a config file may hold, as a zod schema: every key checked like its flag, each problem
 * named as `file: key: problem`. Loaded only when a config file is read (config/load.ts) or
 * written (`config init`): a send without one never builds the schema.
 */
import * as z from 'zod';
import { ConfigError } from '../errors.js';
import { problemsFromZod, type Problem } from '../core/problems.js';
import { SETTING_RANGES, type Range } from '../core/fields.js';
import { tokenCommandProblem } from './command-line.js';

/** A number within `range` (config files are checked like flags). */
function ranged(range: Range) {
  const n = range.integer ? z.number().int() : z.number();
  return n
    .min(range.min, `must be from ${range.min} to ${range.max} (${range.unit})`)
    .max(range.max, `must be from ${range.min} to ${range.max} (${range.unit})`);
}

/**
 * A string setting. A number is refused rather than converted: YAML reads `src: 14155550100` as a
 * number, which has already lost any leading zero, and a 19-digit DLT ID its last digits.
 */
const text = () =>
  z.string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `is a number; write it as a string in quotes ("${String(issue.input)}"): a number loses leading zeros and precision`
        : 'must be a string',
  });

/** Keys that may stand at the top of a config file or inside a profile. */
const settingsShape = {
  authId: text(),
  authToken: text(),
  /**
   * A command (no shell) whose first line of output is the auth token, run only when a command
   * needs credentials: a string split at spaces (quotes group words), or the program and its arguments.
   */
  authTokenCommand: z.union([text(), z.array(text())]).superRefine((value, ctx) => {
    const problem = tokenCommandProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  apiUrl: text(),
  src: text(),
  powerpackUuid: text(),
  url: text(),
  method: text(),
  log: z.union([z.string(), z.boolean()]),
  trackable: z.boolean(),
  // A string when it comes from --message-expiry; buildMessage checks either form.
  messageExpiry: z.union([z.number().int(), z.string()]),
  dltEntityId: text(),
  dltTemplateId: text(),
  dltTemplateCategory: text(),
  smartEncoding: z.boolean(),
  timeout: ranged(SETTING_RANGES.timeout),
  retries: ranged(SETTING_RANGES.retries),
  concurrency: ranged(SETTING_RANGES.concurrency),
  rate: ranged(SETTING_RANGES.rate),
  settle: ranged(SETTING_RANGES.settle),
  /** ISO 3166-1 alpha-2 country that numbers without a country code belong to (checked by core/phone.ts). */
  country: text(),
  /** Suppression lists: numbers never sent to. */
  suppress: z.union([text(), z.array(text())]),
  /** The most a send may cost by Plivo's prices, in the account's currency. */
  maxCost: z.number().min(0, 'must be zero or more (an amount in the account currency, e.g. 25)'),
  /** false: skip the per-country validity check of destinations (numbers the metadata does not know yet). */
  numberCheck: z.boolean(),
};

const layerSchema = z.strictObject(settingsShape).partial();
/** Every key a config layer may hold, in the order .plivorc.example shows them. */
export const SETTING_KEYS = Object.keys(settingsShape) as Array<keyof typeof settingsShape>;
const configFileSchema = layerSchema.extend({ profiles: z.record(z.string(), layerSchema).optional() });

export type SettingsLayer = z.infer<typeof layerSchema>;
export type ConfigFile = z.infer<typeof configFileSchema>;
export type SettingKey = keyof SettingsLayer;
/** Parses a loaded config file, reporting every bad key as `file: key: problem`. */
export function parseConfigFile(raw: unknown, filepath: string): ConfigFile {
  if (raw === null || raw === undefined) return {};
  const parsed = configFileSchema.safeParse(raw);
  const problems = parsed.success ? tokenChoiceProblems(parsed.data) : problemsFromZod(parsed.error.issues);
  if (parsed.success && problems.length === 0) return parsed.data;
  const lines = problems.map((p: Problem) => `  ${p.field}: ${p.message}`);
  throw new ConfigError(`${filepath} has settings plivo-send cannot use:\n${lines.join('\n')}`, 'See .plivorc.example for every key.');
}

/** authToken and authTokenCommand are one choice: a layer of the file holds one of them at most. */
function tokenChoiceProblems(file: ConfigFile): Problem[] {
  const layers: Array<[string, SettingsLayer]> = [
    ['', file],
    ...Object.entries(file.profiles ?? {}).map(([name, p]): [string, SettingsLayer] => [`profiles.${name}.`, p]),
  ];
  return layers
    .filter(([, layer]) => layer.authToken !== undefined && layer.authTokenCommand !== undefined)
    .map(([prefix]) => ({ field: `${prefix}authTokenCommand`, message: 'is set together with authToken; keep one of the two' }));
}
