/**
 * Magic destinations: a number ending in one of these suffixes ends in `state` with the delivery
 * error code of Plivo's Message API documentation. Every other valid number is delivered.
 * `failed` means the sandbox gave up before the carrier (queued → failed, not charged);
 * `undelivered` means the carrier reported it (queued → sent → undelivered, charged).
 * Suffixes such as 0100 are left out on purpose: 14155550100 is a common example number.
 */
export interface TestNumber {
  suffix: string;
  state: 'failed' | 'undelivered';
  errorCode: string;
  meaning: string;
}

export const TEST_NUMBERS: TestNumber[] = [
  { suffix: '0020', state: 'undelivered', errorCode: '20', meaning: 'Network error (temporary)' },
  { suffix: '0030', state: 'failed', errorCode: '30', meaning: 'Spam detected' },
  { suffix: '0050', state: 'failed', errorCode: '50', meaning: 'Invalid destination number' },
  { suffix: '0070', state: 'undelivered', errorCode: '70', meaning: 'Destination permanently unavailable' },
  { suffix: '0080', state: 'undelivered', errorCode: '80', meaning: 'Destination temporarily unavailable' },
  { suffix: '0090', state: 'failed', errorCode: '90', meaning: 'No route available to destination' },
  { suffix: '0200', state: 'failed', errorCode: '200', meaning: "Source number blocked by the recipient's STOP" },
  { suffix: '0420', state: 'failed', errorCode: '420', meaning: 'Message expired in queue' },
  { suffix: '0450', state: 'failed', errorCode: '450', meaning: 'Destination country not enabled (geo permissions)' },
  { suffix: '0900', state: 'failed', errorCode: '900', meaning: 'Insufficient credit' },
];

/** The test number `dst` (sanitised) ends with, if any. */
export function findTestNumber(dst: string): TestNumber | undefined {
  return TEST_NUMBERS.find((t) => dst.endsWith(t.suffix));
}
