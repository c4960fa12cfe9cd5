/**
 * Slack's message text ("mrkdwn" with control sequences in angle brackets) → plain text for the
 * model. `<@U…>` user mentions, `<#C…|name>` channels, `<!here>` and friends, `<url|label>`
 * links, and the three entities Slack escapes (`&lt; &gt; &amp;`). Mentions of the bot itself
 * are removed: they address the bot, they are not part of the question.
 */
export function slackToPlain(text: string, botUserId?: string): string {
  const plain = text.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const bar = inner.indexOf("|");
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? undefined : inner.slice(bar + 1);
    if (target.startsWith("@")) {
      const id = target.slice(1);
      if (botUserId && id === botUserId) return "";
      return `@${label ?? id}`;
    }
    if (target.startsWith("#")) return `#${label ?? target.slice(1)}`;
    if (target.startsWith("!")) {
      // <!here>, <!channel>, <!everyone>, <!subteam^S123|@team>, <!date^…|fallback>
      if (label) return label.startsWith("@") || target.startsWith("!date") ? label : `@${label}`;
      return `@${target.slice(1).split("^")[0]}`;
    }
    if (label && label !== target && label !== target.replace(/^mailto:/, "")) return `${label} (${target})`;
    return target.replace(/^mailto:/, "");
  });
  return decodeEntities(plain)
    .replace(/[ \t]{2,}/g, " ")
    .replace(/^[ \t]+|[ \t]+$/gm, "")
    .trim();
}

/**
 * True when `text` contains an @-mention of `botUserId`: `<@U123>` or `<@U123|name>`. Plain
 * string search: the id comes from the payload, and built into a RegExp it could be a pattern.
 */
export function mentions(text: string, botUserId: string | undefined): boolean {
  if (!botUserId) return false;
  const opening = `<@${botUserId}`;
  const lastClose = text.lastIndexOf(">");
  for (let at = text.indexOf(opening); at !== -1; at = text.indexOf(opening, at + 1)) {
    const next = at + opening.length;
    if (text[next] === ">" || (text[next] === "|" && lastClose > next)) return true;
  }
  return false;
}

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}
