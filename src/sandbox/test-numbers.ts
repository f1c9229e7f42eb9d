/**
 * Magic destinations: a number ending in one of these suffixes ends in `state` with the delivery
 * error code of Plivo's Message API documentation. Every other valid number is delivered.
 * `failed` means the sandbox gave up before the carrier (queued → failed, not charged);
 * `undelivered` means the carrier reported it (queued → sent → undelivered, charged).
 * Suffixes such as 0100 are left out on purpose: 14155550100 is a common example number.
 */
import { DELIVERY_ERRORS } from '../core/delivery-errors.js';

export interface TestNumber {
  suffix: string;
  state: 'failed' | 'undelivered';
  errorCode: string;
  meaning: string;
}

export const TEST_NUMBERS: TestNumber[] = [
  { suffix: '0020', state: 'undelivered', errorCode: '20', meaning: DELIVERY_ERRORS['20']! },
  { suffix: '0030', state: 'failed', errorCode: '30', meaning: DELIVERY_ERRORS['30']! },
  { suffix: '0050', state: 'failed', errorCode: '50', meaning: DELIVERY_ERRORS['50']! },
  { suffix: '0070', state: 'undelivered', errorCode: '70', meaning: DELIVERY_ERRORS['70']! },
  { suffix: '0080', state: 'undelivered', errorCode: '80', meaning: DELIVERY_ERRORS['80']! },
  { suffix: '0090', state: 'failed', errorCode: '90', meaning: DELIVERY_ERRORS['90']! },
  { suffix: '0200', state: 'failed', errorCode: '200', meaning: DELIVERY_ERRORS['200']! },
  { suffix: '0420', state: 'failed', errorCode: '420', meaning: DELIVERY_ERRORS['420']! },
  { suffix: '0450', state: 'failed', errorCode: '450', meaning: DELIVERY_ERRORS['450']! },
  { suffix: '0900', state: 'failed', errorCode: '900', meaning: DELIVERY_ERRORS['900']! },
];

/** The test number `dst` (sanitised) ends with, if any. */
export function findTestNumber(dst: string): TestNumber | undefined {
  return TEST_NUMBERS.find((t) => dst.endsWith(t.suffix));
}
