/**
 * Plivo's delivery error codes: a message record's `error_code`, a status callback's `ErrorCode`
 * (Plivo's Message API documentation, "Message error codes"). The one table of their meanings:
 * `status`, `--wait`, `listen`, `messages`, `report` and the sandbox's test numbers all use it.
 */

export const DELIVERY_ERRORS: Readonly<Record<string, string>> = {
  '10': 'Invalid message (blank or too long)',
  '20': 'Network error (temporary): try again later',
  '30': 'Spam detected: the carrier flagged the message',
  '40': 'Invalid source number',
  '50': 'Invalid destination number',
  '60': 'Loop detected between source and destination',
  '70': 'Destination permanently unavailable',
  '80': 'Destination temporarily unavailable',
  '90': 'No route available to destination',
  '100': 'Prohibited by the carrier',
  '110': 'Message too long',
  '120': 'MMS too large (over 5 MB in all)',
  '160': 'India DLT parameters wrong (entity ID, template ID or header)',
  '200': "Source number blocked by the recipient's STOP",
  '201': 'Toll-free messages to Canada are blocked',
  '300': 'Failed to dispatch',
  '340': 'WhatsApp: no open conversation for a non-template message; send a template first',
  '420': "Message expired in Plivo's queue (message_expiry passed); not charged",
  '450': 'Destination country not enabled (geo permissions)',
  '451': 'Geo-permission hourly cap reached',
  '900': 'Insufficient credit',
  '910': 'Account disabled',
  '1000': 'Unknown error',
};

/** `'000'` (and an empty code) means no error: Plivo's records carry it on every message. */
export function isErrorCode(code: string | undefined | null): code is string {
  return code !== undefined && code !== null && code !== '' && Number(code) !== 0;
}

/** The meaning of a code (`'050'` reads as 50), or undefined for a code Plivo has not documented. */
export function describeDeliveryError(code: string): string | undefined {
  return DELIVERY_ERRORS[code] ?? (/^\d+$/.test(code) ? DELIVERY_ERRORS[String(Number(code))] : undefined);
}
