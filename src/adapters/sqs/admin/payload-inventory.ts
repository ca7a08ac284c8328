/**
 * The payload objects runs left in their bucket, per run (keys
 * `mazepa-payloads/<taskQueue>/<executionId>/<run>/…`), and whether each run is alive, gone or
 * cannot be told: the same rule as for outcome queues, read from the execution's outcome queue
 * in this task queue. Another task queue's runs are never looked at, even with the same
 * execution id. Keys of the earlier layout (`mazepa-payloads/<executionId>/…`) do not say their
 * task queue: they are listed as `unowned`, never deleted (a lifecycle rule removes them).
 */
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PAYLOAD_PREFIX } from '../payloads/payload-store.js';
import type { OutcomeQueueInfo, OutcomeQueueState } from './outcome-queue-info.js';
import { S3CallError } from '../calls/s3-call-error.js';
import { ADMIN_BUDGET, retrying } from '../calls/sqs-retry.js';

/**
 * The run of a payload prefix, from its execution's outcome queue in this task queue: `alive`,
 * `orphan` (the run is gone: its objects are deleted by {@link deleteOrphanPayloads}) or
 * `untagged`, as {@link OutcomeQueueState}; `unowned` when this task queue has no outcome queue
 * of that execution (the run ended, its queue was deleted already), or the prefix is of the
 * earlier key layout, which does not name its task queue. {@link deleteOrphanPayloads} deletes
 * the objects of `orphan` prefixes, and those of this task queue's `unowned` prefixes written
 * more than `olderThanMs` ago; never those of the earlier layout.
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * const { payloads = [] } = await inspectQueues({ queueName: 'mazepa-tasks', payloadBucket: 'my-bucket' });
 * console.log(payloads.filter((p) => p.state === 'orphan').map((p) => p.executionId));
 * ```
 */
export type PayloadRunState = OutcomeQueueState | 'unowned';

/**
 * The payload objects of one run in the bucket, as {@link inspectQueues} finds them.
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * const report = await inspectQueues({ queueName: 'mazepa-tasks', payloadBucket: 'my-bucket' });
 * for (const p of report.payloads ?? []) console.log(p.state, p.executionId, p.objects, p.bytes);
 * ```
 */
export interface PayloadPrefixInfo {
  readonly executionId: string;
  /**
   * The key prefix of its objects: `mazepa-payloads/<taskQueue>/<executionId>/<run>/` (each
   * segment URI-encoded), or `mazepa-payloads/<executionId>/` in the earlier layout.
   */
  readonly prefix: string;
  /** The task queue its keys name; `undefined` for the earlier layout, which names none. */
  readonly taskQueue: string | undefined;
  readonly state: PayloadRunState;
  /** How many objects (when deleted: how many were deleted). */
  readonly objects: number;
  /** Their size in all, in bytes. */
  readonly bytes: number;
  /** When the newest of them was written, in milliseconds since the epoch (when S3 says). */
  readonly newestAt?: number;
}

/** @internal Objects asked for per ListObjectsV2 page (and so per DeleteObjects call). */
export const PAYLOAD_PAGE = 1000;

/** @internal The payload prefixes of `queueName`'s runs in `bucket` (and the earlier layout's), with their run's state. */
export async function listPayloadPrefixes(
  s3: S3Client,
  bucket: string,
  queueName: string,
  outcomeQueues: readonly OutcomeQueueInfo[],
  pageSize = PAYLOAD_PAGE,
): Promise<PayloadPrefixInfo[]> {
  interface Found {
    executionId: string;
    legacy: boolean;
    objects: number;
    bytes: number;
    newestAt?: number;
  }
  const found = new Map<string, Found>();
  const ours = encodeURIComponent(queueName);
  await eachPage(s3, bucket, PAYLOAD_PREFIX, pageSize, (objects) => {
    for (const { key, size, modifiedAt } of objects) {
      const segments = key.slice(PAYLOAD_PREFIX.length).split('/');
      const legacy = segments.length === 2;
      if (!legacy && (segments.length !== 4 || segments[0] !== ours)) continue; // not this task queue's
      const prefix = `${PAYLOAD_PREFIX}${segments.slice(0, legacy ? 1 : 3).join('/')}/`;
      const executionId = decodeSegment(legacy ? segments[0]! : segments[1]!);
      const counts = found.get(prefix) ?? { executionId, legacy, objects: 0, bytes: 0 };
      counts.objects++;
      counts.bytes += size;
      if (modifiedAt !== undefined) counts.newestAt = Math.max(counts.newestAt ?? 0, modifiedAt);
      found.set(prefix, counts);
    }
    return Promise.resolve();
  });
  return [...found]
    .map(([prefix, { executionId, legacy, ...counts }]) => {
      const state: PayloadRunState = legacy ? 'unowned' : runState(executionId, outcomeQueues);
      return { executionId, prefix, taskQueue: legacy ? undefined : queueName, state, ...counts };
    })
    .sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
}

/**
 * @internal The state of an execution's run from its outcome queues: alive if any is alive, else
 * untagged if any cannot be told, else orphan; `unowned` without any.
 */
export function runState(executionId: string, outcomeQueues: readonly OutcomeQueueInfo[]): PayloadRunState {
  const states = new Set(outcomeQueues.filter((q) => q.executionId === executionId).map((q) => q.state));
  if (states.size === 0) return 'unowned';
  if (states.has('alive')) return 'alive';
  return states.has('untagged') ? 'untagged' : 'orphan';
}

/**
 * @internal Deletes every object under `prefix` (with `writtenBefore`, only those written before
 * that time, in milliseconds since the epoch), a page at a time (ListObjectsV2, then
 * DeleteObjects of that page); resolves to what was deleted. Rejects naming the first key S3
 * would not delete.
 */
export async function deletePrefix(
  s3: S3Client,
  bucket: string,
  prefix: string,
  pageSize = PAYLOAD_PAGE,
  writtenBefore?: number,
): Promise<{ objects: number; bytes: number }> {
  const deleted = { objects: 0, bytes: 0 };
  await eachPage(s3, bucket, prefix, pageSize, async (listed) => {
    const objects =
      writtenBefore === undefined
        ? listed
        : listed.filter((o) => o.modifiedAt !== undefined && o.modifiedAt < writtenBefore);
    if (objects.length === 0) return;
    const answer = await retrying(ADMIN_BUDGET, 'DeleteObjects', { bucket, key: prefix }, () =>
      s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: objects.map(({ key }) => ({ Key: key })), Quiet: true },
        }),
      ),
    );
    const failed = answer.Errors ?? [];
    const gone = objects.filter(({ key }) => !failed.some((e) => e.Key === key));
    deleted.objects += gone.length;
    deleted.bytes += gone.reduce((sum, { size }) => sum + size, 0);
    const [first] = failed;
    if (first !== undefined) {
      throw new S3CallError(
        `S3 DeleteObjects on s3://${bucket}/${prefix} did not delete ${failed.length} object(s), ` +
          `the first s3://${bucket}/${first.Key ?? '?'}: ${first.Code ?? 'error'}: ${first.Message ?? ''}`,
        { bucket, key: prefix, operation: 'DeleteObjects' },
      );
    }
  });
  return deleted;
}

/** Calls `onPage` with each page of the objects under `prefix`, in key order. */
async function eachPage(
  s3: S3Client,
  bucket: string,
  prefix: string,
  pageSize: number,
  onPage: (objects: { key: string; size: number; modifiedAt: number | undefined }[]) => Promise<void>,
): Promise<void> {
  let ContinuationToken: string | undefined;
  do {
    const page = await retrying(ADMIN_BUDGET, 'ListObjectsV2', { bucket, key: prefix }, () =>
      s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken })),
    );
    const objects = (page.Contents ?? []).flatMap((o) =>
      o.Key === undefined ? [] : [{ key: o.Key, size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() }],
    );
    if (objects.length > 0) await onPage(objects);
    ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (ContinuationToken !== undefined);
}

/** The execution id a key segment encodes (`encodeURIComponent`); the segment itself if it does not decode. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
