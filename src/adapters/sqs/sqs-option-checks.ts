/**
 * The checks of option values shared by the rooms of the SQS adapter (the queue's options, the
 * worker's, the admin commands'): each throws a `TypeError` naming its owner, the option and the
 * value received.
 */
import { isQueueName, queueNameFromUrl } from './calls/queue-names.js';

/** @internal The owner named by default: the options of `SqsExecutionQueue`. */
export const SQS_OWNER = 'SqsExecutionQueue';

/**
 * @internal Where the task queue is: `queueUrl` when given (an http(s) URL), and the queue's
 * name, given or read from the URL: a standard (not FIFO) queue name.
 */
export function queueLocation(options: { readonly queueName?: unknown; readonly queueUrl?: unknown }): {
  readonly queueName: string;
  readonly queueUrl: string | undefined;
} {
  const { queueUrl } = options;
  if (queueUrl !== undefined && (typeof queueUrl !== 'string' || !/^https?:\/\/\S+$/.test(queueUrl))) {
    fail('queueUrl', 'an http(s) URL', queueUrl);
  }
  const queueName = options.queueName ?? (queueUrl === undefined ? undefined : queueNameFromUrl(queueUrl));
  if (queueName === undefined) {
    throw new TypeError(`${SQS_OWNER}: give option 'queueName' or 'queueUrl', received neither`);
  }
  if (typeof queueName === 'string' && queueName.endsWith('.fifo'))
    fail('queueName', 'a standard (not FIFO) queue', queueName);
  if (!isQueueName(queueName)) fail('queueName', 'letters, digits, - and _ (1 to 80 of them)', queueName);
  return { queueName, queueUrl };
}

/**
 * @internal A `buildId` option: a short text of letters, digits and `.-_:+/`; when not given, the
 * environment's `MAZEPA_BUILD_ID` (empty: none).
 */
export function buildIdOf(owner: string, value: unknown): string | undefined {
  const given = value ?? (process.env.MAZEPA_BUILD_ID || undefined);
  if (given === undefined) return undefined;
  if (typeof given !== 'string' || !/^[\w.:+/-]{1,128}$/.test(given)) {
    const from = value === undefined ? ' (from MAZEPA_BUILD_ID)' : '';
    throw new TypeError(
      `${owner}: option 'buildId'${from} must be 1 to 128 letters, digits and . - _ : + /, received ${JSON.stringify(given)}`,
    );
  }
  return given;
}

/** @internal Whether `value` is an S3 bucket name (3 to 63 of a-z, 0-9, . and -). */
export function isBucketName(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value);
}

/** @internal A `payloadBucket` option: an S3 bucket name, or `undefined`. */
export function bucketName(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isBucketName(value)) {
    fail('payloadBucket', 'an S3 bucket name (3 to 63 of a-z, 0-9, . and -)', value);
  }
  return value;
}

/** @internal An optional non-empty text option (a region, an endpoint). */
export function optionalText(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(option, 'a non-empty string', value);
  return value;
}

/** @internal `maxOutageMs`: milliseconds >= 0 (`Infinity` allowed), or a TypeError naming it. */
export function outageBudget(value: unknown, owner = SQS_OWNER): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    fail('maxOutageMs', 'a number of milliseconds >= 0 (Infinity: no limit)', value, owner);
  }
  return value;
}

/** @internal A whole number option within [min, max], or a TypeError naming it. */
export function wholeNumber(option: string, value: unknown, min: number, max: number, owner = SQS_OWNER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `a whole number from ${min} to ${max}`, value, owner);
  }
  return value;
}

/** @internal Throws the `TypeError` of an option that is not what it must be. */
export function fail(option: string, expected: string, value: unknown, owner = SQS_OWNER): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new TypeError(`${owner}: option '${option}' must be ${expected}, received ${shown}`);
}
