/**
 * The Send Message API's enumerations and limits (plivo-message-api.md §1), kept free of zod so
 * that command definitions can use them without loading the validation core at start-up.
 */
export const MESSAGE_TYPES = ['sms', 'mms', 'whatsapp'] as const;
export const LOG_VALUES = ['true', 'false', 'number_only', 'content_only'] as const;
export const CALLBACK_METHODS = ['GET', 'POST'] as const;
export const DLT_CATEGORIES = ['transactional', 'promotional', 'service_implicit', 'service_explicit'] as const;
export const MESSAGE_EXPIRY_MIN = 5;
export const MESSAGE_EXPIRY_MAX = 10_799;
export const MAX_MEDIA = 10;
export const MMS_TEXT_MAX = 1600;
export const WHATSAPP_TEXT_MAX = 4096;
export const WHATSAPP_CAPTION_MAX = 1024;

export type MessageType = (typeof MESSAGE_TYPES)[number];
