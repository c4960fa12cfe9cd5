import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { GitHubConfig } from "../channels/github/config.ts";
import { interpretGitHub } from "../channels/github/normalize.ts";
import type { InboundRequest } from "../src/channel.ts";
import { githubExample, inRepository } from "./support/github.ts";

const config = (extra: Record<string, string> = {}) =>
  GitHubConfig.parse({ BOT_NAME: "switchboard", GITHUB_WEBHOOK_SECRET: "s", GITHUB_TOKEN: "t", ...extra });

async function request(event: string, payload: unknown): Promise<InboundRequest> {
  const text = JSON.stringify(payload);
  return {
    text,
    body: new TextEncoder().encode(text),
    headers: new Headers({ "x-github-event": event, "x-github-delivery": "d-1", "x-hub-signature-256": await sign("s", text) }),
    now: Date.now(),
  };
}

/** A comment on an issue that already has `earlier` comments (the bot's among them, as far as the delivery tells). */
async function comment(body: string, issue: { comments?: number; author?: string } = {}) {
  const payload = inRepository(await githubExample("issue_comment", "created"), "acme", "app");
  Object.assign(payload.issue as object, { comments: issue.comments ?? 2, user: { login: issue.author ?? "Codertocat", id: 21031067, type: "User" } });
  Object.assign(payload.comment as object, { body });
  return interpretGitHub(await request("issue_comment", payload), config());
}

describe("GitHub normalization", () => {
  it("an @-mention addresses the bot and is removed from the prompt", async () => {
    const result = await comment("Hey @switchboard, can you look at this?");
    expect(result).toMatchObject({ type: "event", event: { addressedToBot: true, text: "Hey , can you look at this?", kind: "comment" } });
  });

  it("look-alike handles, emails and paths are not mentions", async () => {
    for (const body of ["cc @switchboard-team", "mail me at ops@switchboard.dev", "see org/@switchboard", "@switchboardx"]) {
      expect(await comment(body), body).toMatchObject({ type: "event", event: { addressedToBot: false } });
    }
  });

  it("a comment without a mention on an issue with no earlier comment, which the bot did not open, is ignored: the bot cannot have taken part", async () => {
    expect(await comment("Same here since the upgrade.", { comments: 0 })).toEqual({
      type: "ignore",
      reason: "not addressed to the bot, on an issue with no earlier comment: the bot has not taken part in it",
    });
    // Earlier comments may be the bot's, and a ticket the bot filed is followed from chat: the runtime decides those.
    expect(await comment("Same here since the upgrade.", { comments: 1 })).toMatchObject({ type: "event", event: { addressedToBot: false } });
    expect(await comment("Same here since the upgrade.", { comments: 0, author: "switchboard[bot]" })).toMatchObject({ type: "event", event: { addressedToBot: false } });
    // A mention or an approval command is addressed whatever the issue holds.
    expect(await comment("@switchboard is this a bug?", { comments: 0 })).toMatchObject({ type: "event", event: { addressedToBot: true } });
  });

  it("the App form @slug[bot] is a mention too, any case", async () => {
    expect(await comment("@SwitchBoard[bot] summarize")).toMatchObject({ event: { addressedToBot: true, text: "summarize" } });
  });

  it("fills every field the outbound client needs to answer in place", async () => {
    const payload = inRepository(await githubExample("issues", "opened"), "acme", "app");
    const result = interpretGitHub(await request("issues", payload), config());
    expect(result).toMatchObject({
      type: "event",
      event: {
        channel: "github",
        dedupeId: "d-1",
        conversationKey: "github:acme/app#1",
        kind: "issue_opened",
        actor: { name: "Codertocat", isBot: false, isSelf: false },
        replyTo: { owner: "acme", repo: "app", number: 1, isPullRequest: false },
      },
    });
  });

  it("honours GITHUB_ALLOWLIST by owner or by repository", async () => {
    const payload = inRepository(await githubExample("issues", "opened"), "acme", "app");
    const req = await request("issues", payload);
    expect(interpretGitHub(req, config({ GITHUB_ALLOWLIST: "acme" })).type).toBe("event");
    expect(interpretGitHub(req, config({ GITHUB_ALLOWLIST: "other, Acme/App" })).type).toBe("event");
    expect(interpretGitHub(req, config({ GITHUB_ALLOWLIST: "acme/api,other" }))).toEqual({
      type: "ignore",
      reason: "acme/app is not in GITHUB_ALLOWLIST",
    });
  });

  it("an issue assigned to the bot starts a turn; assigned to someone else does not", async () => {
    const payload = inRepository(await githubExample("issues", "assigned"), "acme", "app");
    expect(interpretGitHub(await request("issues", payload), config())).toMatchObject({ type: "ignore" });
    Object.assign(payload.assignee as object, { login: "switchboard[bot]" });
    expect(interpretGitHub(await request("issues", payload), config())).toMatchObject({
      type: "event",
      event: { kind: "issue_assigned", addressedToBot: true },
    });
  });

  it("a draft pull request waits for ready_for_review", async () => {
    const payload = inRepository(await githubExample("pull_request", "opened"), "acme", "app");
    Object.assign(payload.pull_request as object, { draft: true });
    expect(interpretGitHub(await request("pull_request", payload), config())).toMatchObject({
      type: "ignore",
      reason: expect.stringMatching(/draft/),
    });
  });
});
