/**
 * The flags a command line hands its flow (commander's camelCase of each option in
 * commands/options.ts), and the rules about flags given together, checked before anything is read.
 */
interface CommonFlags {
  json?: boolean;
  debug?: boolean;
  profile?: string;
  config?: string;
}

export interface SendFlags extends CommonFlags {
  dst?: string[];
  text?: string;
  src?: string;
  powerpackUuid?: string;
  url?: string;
  method?: string;
  log?: string;
  trackable?: boolean;
  messageExpiry?: string;
  dltEntityId?: string;
  dltTemplateId?: string;
  dltTemplateCategory?: string;
  smartEncoding?: boolean;
  country?: string;
  /** false with --no-number-check. */
  numberCheck?: boolean;
  suppress?: string[];
  maxCost?: string;
  dryRun?: boolean;
  sandbox?: boolean;
  timeout?: number;
  wait?: boolean | number;
  // batch
  csv?: string;
  yes?: boolean;
  concurrency?: number;
  rate?: number;
  results?: string;
  journal?: string;
  resume?: boolean;
  settle?: number;
  encoding?: string;
  delimiter?: string;
  skipDuplicates?: boolean;
  // mms / whatsapp
  mediaUrl?: string[];
  mediaId?: string[];
  template?: string;
  templateName?: string;
  templateLanguage?: string;
  param?: string[];
  interactive?: string;
  location?: string;
}

/** `--wait` without seconds: how long a send or status waits for a final state. */
export const WAIT_DEFAULT_SECONDS = 60;

/** Flags that only a batch (`--csv`) uses: on a single send they would be ignored without a word. */
const BATCH_ONLY_FLAGS = [
  ['yes', '--yes'],
  ['concurrency', '--concurrency'],
  ['rate', '--rate'],
  ['results', '--results'],
  ['journal', '--journal'],
  ['resume', '--resume'],
  ['encoding', '--encoding'],
  ['delimiter', '--delimiter'],
  ['skipDuplicates', '--skip-duplicates'],
] as const satisfies ReadonlyArray<readonly [keyof SendFlags, string]>;

/**
 * Flags given together that cannot all apply, as one usage problem (undefined when they can):
 * checked before anything is read or sent, so a flag is never silently dropped.
 */
export function flagConflict(flags: SendFlags): { message: string; hint: string } | undefined {
  if (flags.csv === undefined) {
    const batchOnly = BATCH_ONLY_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
    if (batchOnly.length > 0) {
      return {
        message: `${listFlags(batchOnly)} ${batchOnly.length === 1 ? 'applies' : 'apply'} only to batch sends, and this is a single send (no --csv).`,
        hint: `Remove ${batchOnly.length === 1 ? 'it' : 'them'}, or send a batch with --csv <path|->.`,
      };
    }
  } else if (flags.wait !== undefined) {
    return {
      message: '--wait is for single sends; a batch does not wait for delivery.',
      hint: 'Write the uuids with --results <path>, then follow them with `plivo-send status <message_uuid>… --wait`.',
    };
  }
  if (flags.dryRun) {
    const sending = [flags.wait !== undefined ? '--wait' : undefined, flags.sandbox ? '--sandbox' : undefined].filter((f) => f !== undefined);
    if (sending.length > 0) {
      return {
        message: `--dry-run sends nothing, so ${listFlags(sending)} cannot apply.`,
        hint: `Drop --dry-run to send, or drop ${listFlags(sending)} to see the request only.`,
      };
    }
  }
  return undefined;
}

function listFlags(flags: readonly string[]): string {
  return flags.length === 1 ? flags[0]! : `${flags.slice(0, -1).join(', ')} and ${flags.at(-1)!}`;
}
