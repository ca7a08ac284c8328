/**
 * The payloads room: messages too big for SQS travel through S3, as a reference message
 * (`payload-ref.ts`) that names the object. This file is the store.
 *
 * Message texts too big for SQS, stored as S3 objects: written by the sender, read (and checked
 * against the size and SHA-256 the reference carries) and deleted by the receiver. Keys are
 * `mazepa-payloads/<taskQueue>/<executionId>/<run>/<taskId>.<attempt>.<task|outcome>.<random>`
 * (each segment URI-encoded), so that a lifecycle rule on the prefix `mazepa-payloads/` removes
 * what a dead run left, and `mazepa queues` tells the runs of two task queues apart. Keys of the
 * earlier layout, `mazepa-payloads/<executionId>/<taskId>.<attempt>.<kind>.<random>`, are still
 * read. A reader touches only an object at the very key its reference's task, attempt, run and
 * task queue give, in its own bucket, and reads no more than the size the reference announces.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { encodePayloadRef, type PayloadLocation, type PayloadRef } from './payload-ref.js';
import { PayloadError } from './payload-error.js';
import type { SigningKey } from '../../remote/envelope-signing.js';
import { isCallError } from '../calls/sqs-error.js';
import { retrying, type OutageBudget } from '../calls/sqs-retry.js';

/** @internal The key prefix of every stored payload. */
export const PAYLOAD_PREFIX = 'mazepa-payloads/';

/** @internal The key prefix of one run's payloads: `mazepa-payloads/<taskQueue>/<executionId>/<run>/`. */
export function runPrefix(queueName: string, executionId: string, run: string | undefined): string {
  return `${PAYLOAD_PREFIX}${encodeURIComponent(queueName)}/${encodeURIComponent(executionId)}/${encodeURIComponent(run ?? '-')}/`;
}

/** The end of a key after its run's prefix, but its random part. */
function fileStem(owner: Omit<PayloadRef, 'payload'>): string {
  return `${encodeURIComponent(owner.taskId)}.${owner.attempt}.${owner.of}.`;
}

const RANDOM = /^[0-9a-f]{8}$/;

/** @internal The task a payload belongs to. */
export type PayloadOwner = Omit<PayloadRef, 'payload'>;

/**
 * @internal A bucket and the client that reaches it. Every S3 call is retried on transient errors
 * for up to the outage budget of `retry`, like the SQS calls.
 */
export class PayloadStore {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    /** Message texts over this many UTF-8 bytes are stored. */
    readonly thresholdBytes: number,
    readonly retry: OutageBudget,
    /** The task queue whose payloads these are: its name is part of every key. */
    readonly queueName: string,
  ) {}

  /** The same bucket, its calls retried by `retry` (a worker's budget). */
  withRetry(retry: OutageBudget): PayloadStore {
    return new PayloadStore(this.client, this.bucket, this.thresholdBytes, retry, this.queueName);
  }

  /**
   * Why this store must not touch the object a reference names, or `undefined` when it may: the
   * object must be in this bucket, at the key that the reference's own task queue (this one),
   * execution, run, task, attempt and kind give (or at that key in the earlier layout). Checked
   * before any S3 call: a forged reference can make a reader neither read nor delete anything else.
   */
  refused(ref: PayloadRef): string | undefined {
    const { bucket, key } = ref.payload;
    if (bucket !== this.bucket) return `its payload is in bucket '${bucket}', not in this queue's '${this.bucket}'`;
    const stem = fileStem(ref);
    const layouts = [
      runPrefix(this.queueName, ref.executionId, ref.run) + stem,
      `${PAYLOAD_PREFIX}${encodeURIComponent(ref.executionId)}/${stem}`, // the earlier layout
    ];
    if (layouts.some((start) => key.startsWith(start) && RANDOM.test(key.slice(start.length)))) return undefined;
    return `its payload key ${JSON.stringify(key)} is not one of its task's keys under ${layouts[0]}`;
  }

  /** Runs one S3 call, retrying transient errors (reported as about `s3://bucket/key`); fails with an `S3CallError`. */
  #call<T>(operation: string, { bucket, key }: { bucket: string; key: string }, call: () => Promise<T>): Promise<T> {
    return retrying(this.retry, operation, { bucket, key }, call);
  }

  /** Stores `text` and returns the reference message that stands for it. */
  async offload(text: string, owner: PayloadOwner, signingKey: SigningKey | undefined): Promise<string> {
    const bytes = Buffer.from(text, 'utf8');
    const key = `${runPrefix(this.queueName, owner.executionId, owner.run)}${fileStem(owner)}${randomBytes(4).toString('hex')}`;
    const payload: PayloadLocation = { bucket: this.bucket, key, size: bytes.length, sha256: sha256(bytes) };
    try {
      await this.#call('PutObject', payload, () =>
        this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: 'application/json' }),
        ),
      );
    } catch (error) {
      throw this.#error(`could not be stored: ${messageOf(error)}`, payload, error, owner.taskId);
    }
    return encodePayloadRef({ ...owner, payload }, { signingKey });
  }

  /**
   * The text a reference stands for; throws a {@link PayloadError} unless the object is where
   * {@link refused} allows and its size and SHA-256 match. Reads no more than the announced size:
   * it asks for one byte past that size (a `Range`), an object of another size (`Content-Range`) is
   * not read at all, and a body that runs longer is cut.
   */
  async fetch(ref: PayloadRef): Promise<string> {
    const { payload } = ref;
    const refusal = this.refused(ref);
    if (refusal !== undefined) throw this.#error(`is not read: ${refusal}`, payload, undefined, ref.taskId);
    let bytes: Buffer;
    try {
      bytes = await this.#call('GetObject', payload, async () => {
        // One byte past the announced size at most: a bigger object sends no more than that.
        const range = payload.size > 0 ? `bytes=0-${payload.size}` : undefined;
        const response = await this.client
          .send(new GetObjectCommand({ Bucket: payload.bucket, Key: payload.key, Range: range }))
          .catch((error: unknown) => {
            // An empty object has no byte 0: its range is refused.
            if ((error as { name?: unknown } | undefined)?.name === 'InvalidRange')
              throw new SizeMismatch(0, payload.size);
            throw error;
          });
        const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
        if (body === undefined) throw new Error('the response has no body');
        const found = objectSize(response.ContentRange, response.ContentLength);
        if (found !== undefined && found !== payload.size) {
          body.destroy?.(); // not read: it could be any size
          throw new SizeMismatch(found, payload.size);
        }
        return readAtMost(body, payload.size);
      });
    } catch (error) {
      const mismatch = [error, (error as { cause?: unknown } | undefined)?.cause].find(
        (e) => e instanceof SizeMismatch,
      );
      if (mismatch !== undefined) throw this.#error(mismatch.message, payload, undefined, ref.taskId);
      throw this.#error(`could not be read: ${messageOf(error)}`, payload, error, ref.taskId);
    }
    if (sha256(bytes) !== payload.sha256) {
      throw this.#error('does not match the SHA-256 its message says: it was changed', payload, undefined, ref.taskId);
    }
    return bytes.toString('utf8');
  }

  /** Deletes a consumed payload. */
  async remove(payload: PayloadLocation): Promise<void> {
    try {
      await this.#call('DeleteObject', payload, () =>
        this.client.send(new DeleteObjectCommand({ Bucket: payload.bucket, Key: payload.key })),
      );
    } catch (error) {
      throw this.#error(`could not be deleted: ${messageOf(error)}`, payload, error, undefined);
    }
  }

  #error(what: string, payload: PayloadLocation, cause: unknown, taskId: string | undefined): PayloadError {
    const { bucket, key } = payload;
    return new PayloadError(`The payload s3://${bucket}/${key} ${what}`, { bucket, key, cause, taskId });
  }
}

/** An object of another size than announced: not retried, and not read. */
class SizeMismatch extends Error {
  constructor(found: number, announced: number) {
    super(`is ${found} bytes, not the ${announced} its message says`);
  }
}

/** The whole object's size: after the slash of `Content-Range` (`bytes 0-9/1234`), else `Content-Length`. */
function objectSize(contentRange: string | undefined, contentLength: number | undefined): number | undefined {
  const total = contentRange === undefined ? undefined : /\/(\d+)$/.exec(contentRange)?.[1];
  return total === undefined ? contentLength : Number(total);
}

/** The bytes of `body`, or a {@link SizeMismatch} as soon as it holds more or fewer than `size`. */
async function readAtMost(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, size: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let read = 0;
  for await (const chunk of body) {
    read += chunk.byteLength;
    if (read > size) {
      body.destroy?.();
      throw new SizeMismatch(read, size); // at least that many: the rest is not read
    }
    chunks.push(chunk);
  }
  if (read !== size) throw new SizeMismatch(read, size);
  return Buffer.concat(chunks, read);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The error's message; an AWS error's with its name (an `S3CallError` names the call already). */
function messageOf(error: unknown): string {
  if (isCallError(error)) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
