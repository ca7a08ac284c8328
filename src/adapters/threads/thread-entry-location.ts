/**
 * The module the threads load: beside this one, compiled, or its TypeScript source when mazepa
 * itself runs from sources (its own tests), in which case the threads get the tsx loader.
 *
 * @internal
 */
export function threadEntry(): { url: string; execArgv: readonly string[] | undefined } {
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(`./thread-entry.${fromSources ? 'ts' : 'js'}`, import.meta.url).href;
  const hasLoader = process.execArgv.some((arg) => arg.includes('tsx'));
  return {
    url,
    execArgv: fromSources && !hasLoader ? [...process.execArgv, '--import', 'tsx'] : undefined,
  };
}
