/**
 * Splits a Markdown message into parts of at most `limit` characters, preferring paragraph,
 * then line, then word boundaries, and never leaving a code fence open across parts: a fence
 * cut in two is closed at the end of one part and reopened (same language) in the next.
 * Nothing is ever truncated.
 */
export function splitMessage(text: string, limit: number): string[] {
  if (limit < 32) throw new RangeError("splitMessage: limit must be at least 32 characters");
  const parts: string[] = [];
  let rest = text;
  let reopen = "";
  while (rest.length > 0) {
    const budget = limit - reopen.length;
    if (rest.length <= budget) {
      parts.push(reopen + rest);
      break;
    }
    // Leave room to close a fence we might cut through.
    const cut = bestCut(rest, budget - 4);
    let part = reopen + rest.slice(0, cut.end);
    const fence = openFence(part);
    if (fence !== null) part += "\n```";
    parts.push(part);
    rest = rest.slice(cut.next);
    reopen = fence !== null ? `\`\`\`${fence}\n` : "";
  }
  return parts;
}

/** Where to end this part, and where the next one starts (the separator between is dropped). */
function bestCut(text: string, max: number): { end: number; next: number } {
  const window = text.slice(0, max + 1);
  for (const separator of ["\n\n", "\n", " "]) {
    const at = window.lastIndexOf(separator);
    if (at > max / 2) return { end: at, next: at + separator.length };
  }
  return { end: max, next: max };
}

/** The language of the fence left open at the end of `text`, or null when all are closed. */
function openFence(text: string): string | null {
  let open: string | null = null;
  for (const match of text.matchAll(/^ {0,3}```(.*)$/gm)) {
    open = open === null ? (match[1] ?? "").trim() : null;
  }
  return open;
}
