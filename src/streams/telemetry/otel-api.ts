/**
 * The optional peer dependency `@opentelemetry/api`, loaded once, lazily: nothing of it is
 * imported until a run asks, and a process without it (or without an SDK registered) pays
 * nothing more than this check.
 */
export type OtelApi = typeof import('@opentelemetry/api');

let loaded: OtelApi | null | undefined;
let loading: Promise<OtelApi | undefined> | undefined;

/**
 * The API once loaded; `undefined` before the first {@link loadOtel} has settled or when the
 * package is not installed. Synchronous, so a run that starts at once never waits for it.
 *
 * @internal
 */
export function otelApi(): OtelApi | undefined {
  if (loaded === undefined) void loadOtel();
  return loaded ?? undefined;
}

/**
 * Loads `@opentelemetry/api` (one dynamic import, cached); resolves to `undefined` when it is
 * not installed. Never rejects.
 *
 * @internal
 */
export function loadOtel(): Promise<OtelApi | undefined> {
  if (loaded !== undefined) return Promise.resolve(loaded ?? undefined);
  loading ??= import('@opentelemetry/api').then(
    (api) => (loaded = api),
    () => {
      loaded = null;
      return undefined;
    },
  );
  return loading;
}

/** Whether {@link loadOtel} has settled (the API is there, or known to be missing). @internal */
export function otelSettled(): boolean {
  return loaded !== undefined;
}
