import { parseSender } from '../numbers.js';
import { blankToUndefined, collectProblems, type MessageOptions, type Part } from './options.js';

export interface SenderFields {
  src?: string;
  powerpack_uuid?: string;
}

/** Sender: exactly one of src / powerpack_uuid (WhatsApp: src only, and a phone number). */
export function checkSender(options: Pick<MessageOptions, 'type' | 'src' | 'powerpackUuid'>): Part<SenderFields> {
  const { problems, add } = collectProblems();
  const fields: SenderFields = {};
  const src = blankToUndefined(options.src);
  const powerpack = blankToUndefined(options.powerpackUuid);
  if (src !== undefined) {
    const sender = parseSender(src);
    if (sender.ok) fields.src = sender.sender;
    else add('src', sender.problem);
  }
  if (powerpack !== undefined) fields.powerpack_uuid = powerpack.trim();
  if (options.type === 'whatsapp') {
    if (powerpack !== undefined) add('powerpack_uuid', 'WhatsApp messages cannot use a Powerpack; give the WhatsApp-enabled number as --src');
    if (src === undefined) add('src', 'is required for WhatsApp: give the WhatsApp-enabled sender number with --src');
    else if (fields.src !== undefined && !/^[0-9]+$/.test(fields.src))
      add('src', `'${fields.src}' is not a phone number; WhatsApp needs the sender's number with its country code`);
  } else if (src !== undefined && powerpack !== undefined) {
    add('src', 'give either --src or --powerpack-uuid, not both');
  } else if (src === undefined && powerpack === undefined) {
    add('src', 'a sender is required: pass --src <number or sender ID> or --powerpack-uuid <uuid> (or set src in .plivorc)');
  }
  return { fields, problems };
}
