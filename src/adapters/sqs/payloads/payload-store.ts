/**
 * The payloads room: messages too big for SQS travel through S3, as a reference message
 * (`payload-ref.ts`) that names the object. This file is the store: message texts too big for
 * SQS, stored as S3 objects: written by the sender, read (and checked against the size and
 * SHA-256 the reference carries) and deleted by the receiver. Keys are
 * `mazepa-payloads/<executionId>/<taskId>.<attempt>.<task|outcome>.<random>`, so a lifecycle rule
 * on the prefix `mazepa-payloads/` removes what a dead run left.
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
  ) {}

  /** The same bucket, its calls retried by `retry` (a worker's budget). */
  withRetry(retry: OutageBudget): PayloadStore {
    return new PayloadStore(this.client, this.bucket, this.thresholdBytes, retry);
  }

  /** Runs one S3 call, retrying transient errors (reported as about `s3://bucket/key`); fails with an `S3CallError`. */
  #call<T>(operation: string, { bucket, key }: { bucket: string; key: string }, call: () => Promise<T>): Promise<T> {
    return retrying(this.retry, operation, { bucket, key }, call);
  }

  /** Stores `text` and returns the reference message that stands for it. */
  async offload(text: string, owner: PayloadOwner, signingKey: SigningKey | undefined): Promise<string> {
    const bytes = Buffer.from(text, 'utf8');
    const key =
      `${PAYLOAD_PREFIX}${encodeURIComponent(owner.executionId)}/${encodeURIComponent(owner.taskId)}` +
      `.${owner.attempt}.${owner.of}.${randomBytes(4).toString('hex')}`;
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

  /** The text a reference stands for; throws a {@link PayloadError} unless size and SHA-256 match. */
  async fetch(ref: PayloadRef): Promise<string> {
    const { payload } = ref;
    let bytes: Uint8Array;
    try {
      bytes = await this.#call('GetObject', payload, async () => {
        const response = await this.client.send(new GetObjectCommand({ Bucket: payload.bucket, Key: payload.key }));
        if (response.Body === undefined) throw new Error('the response has no body');
        return response.Body.transformToByteArray();
      });
    } catch (error) {
      throw this.#error(`could not be read: ${messageOf(error)}`, payload, error, ref.taskId);
    }
    if (bytes.length !== payload.size) {
      throw this.#error(
        `is ${bytes.length} bytes, not the ${payload.size} its message says`,
        payload,
        undefined,
        ref.taskId,
      );
    }
    if (sha256(bytes) !== payload.sha256) {
      throw this.#error('does not match the SHA-256 its message says: it was changed', payload, undefined, ref.taskId);
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
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

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The error's message; an AWS error's with its name (an `S3CallError` names the call already). */
function messageOf(error: unknown): string {
  if (isCallError(error)) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
