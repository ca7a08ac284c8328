import type { DashboardOptions } from './serve-dashboard.js';

const KNOWN = new Set(['port', 'host', 'token', 'print', 'onListening', 'depth', 'scheduler']);

/** Checks the options of a dashboard, naming the one at fault. @internal */
export function checkDashboardOptions(options: DashboardOptions, owner: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner}: dashboard options must be an object, received ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(`${owner}: unknown dashboard option '${key}' (known: ${[...KNOWN].join(', ')})`);
    }
  }
  const { port, host, token, print, onListening, depth } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new TypeError(
      `${owner}: dashboard option 'port' must be a whole number from 0 to 65535, received ${String(port)}`,
    );
  }
  if (host !== undefined && (typeof host !== 'string' || host === '')) {
    throw new TypeError(`${owner}: dashboard option 'host' must be a host name or address, received ${String(host)}`);
  }
  if (token !== undefined && (typeof token !== 'string' || !/^[0-9a-f]{32,128}$/.test(token))) {
    throw new TypeError(`${owner}: dashboard option 'token' must be 32 to 128 lowercase hex digits`);
  }
  if (print !== undefined && typeof print !== 'boolean') {
    throw new TypeError(`${owner}: dashboard option 'print' must be true or false, received ${String(print)}`);
  }
  for (const [name, value] of [
    ['onListening', onListening],
    ['depth', depth],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`${owner}: dashboard option '${name}' must be a function, received ${typeof value}`);
    }
  }
}
