/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { MESSAGE_LIMIT, toMrkdwn, toSlackMessages } from "../channels/slack/format.ts";
import { slackToPlain } from "../channels/slack/text.ts";

describe("Slack text in: mrkdwn control sequences → plain text for the model", () => {
  it("resolves users, channels, links and specials, decodes entities, strips the bot's mention", () => {
    expect(slackToPlain("<@U0BOT> ask <@U0JANE|jane> in <#C0OPS|ops> about <https://ci.example.com/run/1?a=1&amp;b=2|run 1> &amp; <https://x.dev>", "U0BOT")).toBe(
      "ask @jane in #ops about run 1 (https://ci.example.com/run/1?a=1&b=2) & https://x.dev",
    );
    expect(slackToPlain("<!here> a &lt;b&gt; <!subteam^S1|@oncall> <mailto:a@b.co|a@b.co> <@U0OTHER>", "U0BOT")).toBe("@here a <b> @oncall a@b.co @U0OTHER");
  });
});

describe("Slack text out: Markdown → mrkdwn, split under the message limit", () => {
  it("converts emphasis, links, headings and bullets; leaves code as written (escaped)", () => {
    expect(toMrkdwn("## Triage\n**Bug** with *high* ~~low~~ priority, see [the run](https://ci.example.com/r?a=1&b=2)\n- check `a < b`\n```ts\nif (a && b) {}\n```")).toBe(
      "*Triage*\n*Bug* with _high_ ~low~ priority, see <https://ci.example.com/r?a=1&amp;b=2|the run>\n• check `a &lt; b`\n```\nif (a &amp;&amp; b) {}\n```",
    );
  });

  it("splits a long answer into parts under the limit without breaking a code block", () => {
    const code = Array.from({ length: 300 }, (_, i) => `line ${i} of the stack trace`).join("\n");
    const parts = toSlackMessages(`Here is the trace:\n\n\`\`\`\n${code}\n\`\`\`\n\nDone.`);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
      expect((part.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(parts.join("\n")).toContain("line 299 of the stack trace");
  });
});

describe("Slack channel boundary", () => {
  it("uses WebCrypto and fetch only: no Node built-ins in channels/slack", () => {
    const sources = import.meta.glob<string>("../channels/slack/*.ts", { query: "?raw", import: "default", eager: true });
    expect(Object.keys(sources).length).toBeGreaterThanOrEqual(8);
    for (const [file, source] of Object.entries(sources)) {
      expect(source, file).not.toMatch(/from ["'](node:)?(crypto|buffer|fs|http|https|net)["']/);
      expect(source, file).not.toMatch(/@slack\/web-api|@slack\/bolt/);
    }
  });
});
