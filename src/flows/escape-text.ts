/**
 * Text from messages (task ids, operation names, errors) as the CLI prints it: control characters
 * escaped, so a message can neither forge a log line nor send escape codes to the terminal.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** @internal `text` for one log line: every control character (line breaks too) escaped. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/** @internal `text` as a block of lines (a stack): line breaks and tabs kept, other controls escaped. */
export function asBlock(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escapeChar);
}

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
}
