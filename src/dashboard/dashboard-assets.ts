import { readFileSync } from 'node:fs';

/** A static file of the page, held in memory. @internal */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/chart.js': 'chart.js',
  '/style.css': 'style.css',
};

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

let loaded: ReadonlyMap<string, Asset> | undefined;

/**
 * The page's files by URL path, read once from the `assets` folder next to this module (copied
 * into `dist` by the build). @internal
 */
export function dashboardAssets(): ReadonlyMap<string, Asset> {
  if (loaded !== undefined) return loaded;
  const assets = new Map<string, Asset>();
  for (const [path, file] of Object.entries(FILES)) {
    const body = readFileSync(new URL(`./assets/${file}`, import.meta.url));
    assets.set(path, { type: TYPES[file.slice(file.lastIndexOf('.') + 1)]!, body });
  }
  loaded = assets;
  return assets;
}
