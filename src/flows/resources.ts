/**
 * Named resources a task uses while it runs (e.g. `{ gpu: 1 }`), which a queue with resource
 * limits counts: at most `limit` units of a resource are in use at once.
 */
export type ResourceUse = Readonly<Record<string, number>>;

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Validates a resource map once: names of letters, digits, `_`, `.` and `-`; amounts whole
 * numbers >= 1. Throws a TypeError naming the option and the value.
 *
 * @internal
 */
export function checkResources(owner: string, option: string, value: unknown): ResourceUse {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `${owner}: option '${option}' must be an object of resource names to amounts (e.g. { gpu: 1 }), received ${String(value)}`,
    );
  }
  const out: Record<string, number> = {};
  for (const [name, amount] of Object.entries(value)) {
    if (!NAME.test(name)) {
      throw new TypeError(`${owner}: option '${option}' has a bad resource name ${JSON.stringify(name)}`);
    }
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1) {
      throw new TypeError(
        `${owner}: option '${option}.${name}' must be a whole number >= 1, received ${String(amount)}`,
      );
    }
    out[name] = amount;
  }
  return Object.freeze(out);
}
