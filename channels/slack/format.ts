import { splitMessage } from "../../src/format/split.ts";

/**
 * Slack truncates `text` at 40,000 characters and advises staying near 4,000 per message;
 * parts stay below that, so a long answer is several messages in the thread.
 */
export const MESSAGE_LIMIT = 3_900;

/** Standard Markdown → Slack mrkdwn, split into messages that never break a code block. */
export function toSlackMessages(markdown: string): string[] {
  return splitMessage(toMrkdwn(markdown), MESSAGE_LIMIT);
}

/**
 * Markdown → mrkdwn: `**bold**` → `*bold*`, `*em*` → `_em_`, `~~x~~` → `~x~`, `[l](u)` → `<u|l>`,
 * headings → bold lines, `-`/`*` bullets → `•`. `& < >` are escaped as Slack requires. Code
 * (fenced and inline) is left exactly as written, apart from that escaping.
 */
export function toMrkdwn(markdown: string): string {
  const out: string[] = [];
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (/^ {0,3}```/.test(line)) {
      inFence = !inFence;
      // Slack ignores the language tag and would show it as text: drop it.
      out.push(inFence ? "```" : line.trim());
      continue;
    }
    out.push(inFence ? escape(line) : convertLine(line));
  }
  return out.join("\n");
}

function convertLine(line: string): string {
  const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return `*${convertInline(heading[1]!).replace(/^\*(.*)\*$/, "$1")}*`;
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1]}• ${convertInline(bullet[2]!)}`;
  return convertInline(line);
}

/** Inline spans, code spans untouched. */
function convertInline(text: string): string {
  return text
    .split(/(`[^`\n]+`)/)
    .map((span, index) => (index % 2 === 1 ? escape(span) : convertSpan(span)))
    .join("");
}

const BOLD = "\u0001";

function convertSpan(span: string): string {
  const links: string[] = [];
  let text = span.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => {
    links.push(`<${url.replace(/&/g, "&amp;")}|${escape(label)}>`);
    return `\u0002${links.length - 1}\u0002`;
  });
  text = escape(text)
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/__(?=\S)(.+?)(?<=\S)__/g, `${BOLD}$1${BOLD}`)
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])/g, "$1_$2_")
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, "~$1~")
    .replaceAll(BOLD, "*");
  return text.replace(/\u0002(\d+)\u0002/g, (_m, index: string) => links[Number(index)]!);
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
