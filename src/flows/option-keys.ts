/**
 * Every key of an options interface, each mapped to `true`: a list that `tsc` keeps complete,
 * since an option added to the interface and not here is a type error.
 *
 * @internal
 */
export type KnownOptions<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Throws a `TypeError` for the first key of `options` that `known` does not list, naming the
 * closest known key ("did you mean ...?") and every known one.
 *
 * @internal
 */
export function checkOptionKeys<T>(owner: string, options: object, known: KnownOptions<T>): void {
  const names = Object.keys(known);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const near = closestName(key, names);
    throw new TypeError(
      `${owner}: unknown option '${key}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; ` +
        `its options are: ${names.join(', ')}`,
    );
  }
}

/**
 * The name in `candidates` nearest to `word` (ignoring case), if one is near enough to be a typo
 * of it: at most a third of its letters (two at least) added, removed or changed.
 *
 * @internal
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: letters added, removed or changed to turn `a` into `b`. @internal */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
