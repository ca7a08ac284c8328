import { createRequire } from 'node:module';

/**
 * The optional peer dependency `@opentelemetry/api`, looked for once, synchronously, the first
 * time a run asks: nothing of it is loaded before, a process without it pays one failed lookup,
 * and a run never waits for it (a marble test's run starts in the same tick as without it).
 * The API keeps its registered SDK on `globalThis`, so this copy (loaded through `require`) sees
 * the SDK an application registered through `import`.
 */
export type OtelApi = typeof import('@opentelemetry/api');

const requireHere = createRequire(import.meta.url);
let loaded: OtelApi | null | undefined;

/**
 * The API, or `undefined` when the package is not installed.
 *
 * @internal
 */
export function otelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = requireHere('@opentelemetry/api') as OtelApi;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/**
 * The API as a promise, for callers that were written to wait for it; never rejects.
 *
 * @internal
 */
export function loadOtel(): Promise<OtelApi | undefined> {
  return Promise.resolve(otelApi());
}
