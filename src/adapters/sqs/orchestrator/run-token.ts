import { randomBytes } from 'node:crypto';
import { WORKER_FACTS_MARK } from '../../remote/worker-facts.js';

/**
 * @internal A new run token: 18 random bytes, base64url, and the mark that asks workers for
 * their facts on each outcome (see {@link WORKER_FACTS_MARK}).
 */
export function newRunToken(): string {
  return `${randomBytes(18).toString('base64url')}${WORKER_FACTS_MARK}`;
}
