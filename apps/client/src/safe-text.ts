/**
 * Characters a terminal acts on rather than shows: C0 controls (newline and tab too: a line
 * of someone else's stays one line, and cannot forge another), DEL, C1 controls (8-bit CSI
 * and OSC among them), and the marks and overrides that reorder or hide what follows (the
 * bidirectional embeddings, overrides and isolates, the directional marks, the line and
 * paragraph separators).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is what it is for
const actedOn = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

const escapeOf = (character: string): string => {
  const code = character.charCodeAt(0);
  return named[character] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
};

/**
 * Text that came from someone else (a line, a name, a room, a server's message) as it may be
 * printed: what a terminal would act on is shown escaped (`\x1b`, `\u202e`), never sent as
 * it is, so that nobody can clear the screen, retitle the window, write the clipboard, move
 * the cursor or turn text around on another user's terminal.
 */
export const shown = (text: string): string => text.replace(actedOn, escapeOf);
