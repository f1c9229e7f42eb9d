/** Next steps for Plivo's error answers, keyed on status and on Plivo's own wording. */
import { describeDeliveryError, isErrorCode } from '../core/delivery-errors.js';

/** A TLS handshake failure: nothing was sent, and retrying will not help. */
export const TLS_HINT =
  'Nothing was sent. The certificate presented for PLIVO_API_URL was not trusted: check the URL, the system clock, and any proxy or antivirus that intercepts HTTPS (give its CA certificate with NODE_EXTRA_CA_CERTS=/path/to/ca.pem).';

const CONVERSATION_WINDOW = /24|conversation|session|window|template/i;

export function describeApiError(status: number, message: string): string | undefined {
  if (/whatsapp/i.test(message) && CONVERSATION_WINDOW.test(message)) {
    return 'Free-form text, media and interactive WhatsApp messages only reach users in an open 24-hour conversation (they wrote to you in the last 24 h). Send an approved template with --template to start one.';
  }
  if (status === 403) {
    return 'Plivo blocks this destination country for the account (geo permissions). Enable the country under Messaging > Geo Permissions in the Plivo console.';
  }
  if (status === 404) return 'Check PLIVO_AUTH_ID and PLIVO_API_URL: Plivo found no such resource.';
  if (status === 405) return 'Check PLIVO_API_URL: it should be the API origin, such as https://api.plivo.com.';
  if (/phone number|invalid number|dst|destination/i.test(message)) {
    return 'Write numbers with their country code and no trunk prefix, e.g. 14155550100.';
  }
  if (/src|source|sender|powerpack/i.test(message)) {
    return 'Check that the sender number or Powerpack belongs to this account and may send to the destination country.';
  }
  return undefined;
}

/** The meaning of a delivery error code (`000`: no error), or undefined for one Plivo has not documented. */
export function explainErrorCode(code: string | undefined): string | undefined {
  if (code === undefined || code === '') return undefined;
  return isErrorCode(code) ? describeDeliveryError(code) : 'no error';
}
