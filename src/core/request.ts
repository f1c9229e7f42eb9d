import type { MessageBody } from './message.js';

export interface SendRequest {
  method: 'POST';
  url: string;
  body: MessageBody;
}

/** The exact request a send makes; `--dry-run` prints it instead. */
export function buildSendRequest(apiUrl: string, authId: string | undefined, body: MessageBody): SendRequest {
  return { method: 'POST', url: messageUrl(apiUrl, authId), body };
}

function messageUrl(apiUrl: string, authId: string | undefined): string {
  // Plivo requires the trailing slash.
  return `${apiUrl}/v1/Account/${authId ?? '<auth_id>'}/Message/`;
}
