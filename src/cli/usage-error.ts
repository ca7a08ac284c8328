/**
 * A command line that cannot run as given (bad option, module or export): `mazepa` prints the
 * message and exits with code 2.
 *
 * @internal
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
