/**
 * What happens to a queued message: records are created, then advanced queued → sent →
 * delivered (→ read for WhatsApp) one step per `delayMs`, or to failed / undelivered for the
 * test numbers. Each state change updates the record and, when the request gave a `url`,
 * triggers a status callback.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CallbackDispatcher } from './callbacks.js';
import type { CallbackParams } from './signature.js';
import { formatRecordTime, formatTime, type MessageRecord, type MessageState, type MessageStore } from './store.js';
import { findTestNumber, type TestNumber } from './test-numbers.js';
import { sandboxRate } from './pricing.js';
import { readNumber } from '../core/phone.js';
import type { AcceptedMessage, MessageType } from './validate.js';

/** The number a powerpack "picks" from its pool. */
export const POWERPACK_NUMBER = '14155550123';

interface Tracking {
  uuid: string;
  to: string;
  type: MessageType;
  units: number;
  rate: number;
  powerpackUuid: string;
  from: string;
  callback: { url: string; method: 'GET' | 'POST' } | undefined;
  outcome: TestNumber | undefined;
  sequence: number;
  queuedAt: number;
  sentAt: number | undefined;
  reportAt: number | undefined;
  whatsapp: { id: string; origin: string; expiresAt: number } | undefined;
}

/** An inbound message injected into the sandbox, as if someone had written to one of the account's numbers. */
export interface InboundMessage {
  from: string;
  to: string;
  type: MessageType;
  text: string;
  mediaUrls: string[];
  units: number;
  /** The number's message URL: where Plivo posts inbound messages. */
  callback: { url: string; method: 'GET' | 'POST' };
}

export interface DeliveryOptions {
  store: MessageStore;
  callbacks: CallbackDispatcher;
  delayMs: number;
  /** `/v1/Account/{auth_id}` for `resource_uri`. */
  accountPath: string;
}

function money(hundredThousandths: number): string {
  return (hundredThousandths / 100_000).toFixed(5);
}

function maskNumber(number: string): string {
  if (number.length <= 6) return 'X'.repeat(number.length);
  return number.slice(0, 3) + 'X'.repeat(number.length - 6) + number.slice(-3);
}

function countryOf(number: string): string {
  const read = readNumber(`+${number}`, { check: false });
  return read.ok ? (read.country ?? '') : '';
}

export class DeliverySimulator {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: DeliveryOptions) {}

  /** Creates the record for one destination, sends the `queued` callback and starts the clock. */
  enqueue(message: AcceptedMessage, to: string, requesterIp: string): string {
    const now = Date.now();
    const uuid = randomUUID();
    const from = message.src ?? POWERPACK_NUMBER;
    const rate = sandboxRate(countryOf(to), message.type);
    const whatsapp =
      message.type === 'whatsapp'
        ? { id: randomBytes(16).toString('hex'), origin: message.isTemplate ? 'utility' : 'service', expiresAt: now + 24 * 3600_000 }
        : undefined;
    const record: MessageRecord = {
      message_uuid: uuid,
      message_state: 'queued',
      message_type: message.type,
      message_direction: 'outbound',
      from_number: from,
      // log=false and log=content_only keep the content but not the number (SDK docs).
      to_number: message.log === 'false' || message.log === 'content_only' ? maskNumber(to) : to,
      units: message.units,
      total_rate: money(rate),
      total_amount: money(rate * message.units),
      carrier_fees: money(0),
      error_code: '000',
      error_message: '',
      message_time: formatRecordTime(now),
      message_sent_time: null,
      message_updated_time: formatRecordTime(now),
      powerpack_id: message.powerpackUuid ?? '',
      log: message.log,
      resource_uri: `${this.options.accountPath}/Message/${uuid}/`,
      requester_ip: requesterIp,
      destination_country_iso2: countryOf(to),
      ...(message.dltEntityId === undefined ? {} : { dlt_entity_id: message.dltEntityId }),
      ...(message.dltTemplateId === undefined ? {} : { dlt_template_id: message.dltTemplateId }),
      ...(message.dltTemplateCategory === undefined ? {} : { dlt_template_category: message.dltTemplateCategory }),
      ...(whatsapp === undefined
        ? {}
        : { conversation_id: whatsapp.id, conversation_origin: whatsapp.origin, conversation_expiry_time: formatTime(whatsapp.expiresAt) }),
    };
    this.options.store.add(record, now);
    const tracking: Tracking = {
      uuid,
      to,
      type: message.type,
      units: message.units,
      rate,
      powerpackUuid: message.powerpackUuid ?? '',
      from,
      callback: message.url === undefined ? undefined : { url: message.url, method: message.method },
      outcome: findTestNumber(to),
      sequence: 0,
      queuedAt: now,
      sentAt: undefined,
      reportAt: undefined,
      whatsapp,
    };
    this.notify(tracking, 'queued');
    this.later(() => this.leaveQueue(tracking));
    return uuid;
  }

  /**
   * Records an inbound message (state `received`, free like Plivo's inbound SMS in the sandbox's
   * prices) and sends the signed inbound webhook: Plivo's parameters From, To, Type, Text,
   * MessageUUID, Units, TotalRate, TotalAmount, and MediaCount / Media0… for media.
   */
  receive(message: InboundMessage): string {
    const now = Date.now();
    const uuid = randomUUID();
    this.options.store.add(
      {
        message_uuid: uuid,
        message_state: 'received',
        message_type: message.type,
        message_direction: 'inbound',
        from_number: message.from,
        to_number: message.to,
        units: message.units,
        total_rate: money(0),
        total_amount: money(0),
        carrier_fees: money(0),
        error_code: '000',
        error_message: '',
        message_time: formatRecordTime(now),
        message_sent_time: null,
        message_updated_time: formatRecordTime(now),
        powerpack_id: '',
        log: 'true',
        resource_uri: `${this.options.accountPath}/Message/${uuid}/`,
        requester_ip: '',
        destination_country_iso2: countryOf(message.to),
      },
      now,
    );
    const params: CallbackParams = {
      From: message.from,
      To: message.to,
      Type: message.type,
      Text: message.text,
      MessageUUID: uuid,
      Units: String(message.units),
      TotalRate: money(0),
      TotalAmount: money(0),
    };
    if (message.mediaUrls.length > 0) {
      params.MediaCount = String(message.mediaUrls.length);
      message.mediaUrls.forEach((url, i) => (params[`Media${i}`] = url));
    }
    this.options.callbacks.send({ ...message.callback, params });
    return uuid;
  }

  /** Clears every pending state change. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(step: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) step();
    }, this.options.delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private leaveQueue(t: Tracking): void {
    if (t.outcome?.state === 'failed') {
      // Failed before reaching a carrier: Plivo does not charge it.
      t.reportAt = Date.now();
      this.change(t, 'failed', { error_code: t.outcome.errorCode, error_message: t.outcome.meaning, total_amount: money(0) });
      return;
    }
    t.sentAt = Date.now();
    this.change(t, 'sent', { message_sent_time: formatRecordTime(t.sentAt) });
    this.later(() => this.report(t));
  }

  private report(t: Tracking): void {
    t.reportAt = Date.now();
    if (t.outcome?.state === 'undelivered') {
      this.change(t, 'undelivered', { error_code: t.outcome.errorCode, error_message: t.outcome.meaning });
      return;
    }
    this.change(t, 'delivered', {});
    if (t.type === 'whatsapp') this.later(() => this.change(t, 'read', {}));
  }

  private change(t: Tracking, state: MessageState, changes: Partial<MessageRecord>): void {
    this.options.store.update(t.uuid, { ...changes, message_state: state, message_updated_time: formatRecordTime(Date.now()) });
    this.notify(t, state);
  }

  private notify(t: Tracking, state: MessageState): void {
    if (!t.callback) return;
    t.sequence += 1;
    const record = this.options.store.get(t.uuid);
    const params: CallbackParams = {
      MessageUUID: t.uuid,
      ParentMessageUUID: t.uuid,
      To: t.to,
      From: t.from,
      Type: t.type,
      Status: state,
      Units: String(t.units),
      TotalRate: money(t.rate),
      TotalAmount: record?.total_amount ?? money(t.rate * t.units),
      Sequence: String(t.sequence),
      MessageTime: formatTime(t.queuedAt),
      QueuedTime: formatTime(t.queuedAt),
      SentTime: t.sentAt === undefined ? '' : formatTime(t.sentAt),
      DeliveryReportTime: t.reportAt === undefined ? '' : formatTime(t.reportAt),
      PowerpackUUID: t.powerpackUuid,
    };
    // Documented as present only for failed and undelivered messages.
    if ((state === 'failed' || state === 'undelivered') && t.outcome) params.ErrorCode = t.outcome.errorCode;
    if (t.whatsapp) {
      params.ConversationID = t.whatsapp.id;
      params.ConversationOrigin = t.whatsapp.origin;
      params.ConversationExpirationTimestamp = String(Math.floor(t.whatsapp.expiresAt / 1000));
    }
    this.options.callbacks.send({ url: t.callback.url, method: t.callback.method, params });
  }
}
