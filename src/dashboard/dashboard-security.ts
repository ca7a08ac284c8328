import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The headers of every response: no caching, no framing, no sniffing, nothing but our own files. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** A new 128-bit random token, as 32 hex digits. @internal */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

/** Whether `given` is `token`, in time that does not depend on where they differ. @internal */
export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  // Hashing first gives equal lengths, so timingSafeEqual never throws or leaks the length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The name of the session cookie: one per port, as cookies do not tell ports apart. @internal */
export function cookieName(port: number): string {
  return `mazepa_dashboard_${port}`;
}

/** The value of cookie `name` in a request, if any. @internal */
export function readCookie(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * The Host headers a request may carry: the loopback names at the port, and the bound host. A
 * page of another site that rebinds its DNS name to 127.0.0.1 sends its own name, and gets 421.
 * @internal
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host]);
  return new Set([...names].map((name) => `${name}:${port}`.toLowerCase()));
}

/** Writes a short plain-text answer with the security headers. @internal */
export function plain(
  response: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  response.end(`${text}\n`);
}
