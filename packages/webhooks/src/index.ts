export { isPublicAddress, refusalOf, type UrlRefusal } from './destination-url.js';
export { DEFAULT_RETRY, retryDelayMs, type RetrySchedule } from './retry-delay.js';
export {
  EXCERPT_CHARS,
  sendWebhook,
  type WebhookOutcome,
  type WebhookRequest,
} from './send-webhook.js';
export {
  checkNewDestination,
  MAX_DESCRIPTION_LENGTH,
  MAX_URL_LENGTH,
  type DestinationFieldsCheck,
  type NewDestinationFields,
} from './destination-fields.js';
