import type { SQSClient } from '@aws-sdk/client-sqs';
import type { OutageBudget } from './sqs-retry.js';

/** @internal A queue to call: the client, its URL, its name (for errors) and how calls retry. */
export interface QueueEndpoint {
  readonly client: SQSClient;
  readonly url: string;
  readonly name: string;
  readonly retry: OutageBudget;
}
