import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { mayApprove } from "../channels/github/approval.ts";
import { githubClient } from "../channels/github/client.ts";
import { GitHubConfig } from "../channels/github/config.ts";
import { interpretGitHub } from "../channels/github/normalize.ts";
import type { InboundRequest } from "../src/channel.ts";
import { NormalizedEvent } from "../src/event.ts";
import { TEST_GITHUB_TOKEN } from "./env.ts";
import { emulatorUrl } from "./support/emulator.ts";
import { githubExample, inRepository, uniqueRepo } from "./support/github.ts";

const config = (extra: Record<string, string> = {}) =>
  GitHubConfig.parse({ BOT_NAME: "switchboard", GITHUB_WEBHOOK_SECRET: "s", GITHUB_TOKEN: TEST_GITHUB_TOKEN, GITHUB_API_URL: `${emulatorUrl}/github`, ...extra });

async function commentEvent(body: string, owner = "acme", repo = "app", login = "octocat") {
  const payload = inRepository(await githubExample("issue_comment", "created"), owner, repo);
  // A request to approve is one of the bot's comments: the issue has at least that one before.
  Object.assign(payload.issue as object, { comments: 1 });
  Object.assign(payload.comment as object, { body });
  Object.assign(payload.sender as object, { login });
  const text = JSON.stringify(payload);
  const request: InboundRequest = {
    text,
    body: new TextEncoder().encode(text),
    headers: new Headers({ "x-github-event": "issue_comment", "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": await sign("s", text) }),
    now: Date.now(),
  };
  const result = interpretGitHub(request, config());
  if (result.type !== "event") throw new Error(`not an event: ${JSON.stringify(result)}`);
  return NormalizedEvent.parse(result.event);
}

async function grant(owner: string, repo: string, user: string, role: string) {
  await fetch(`${emulatorUrl}/_emulator/github/collaborators`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ owner, repo, user, role }) });
}

describe("GitHub approvals: `/approve` and `/deny` comments, decided by repository role", () => {
  it("`/approve` and `/deny` at the start of a comment, with or without the bot's @-mention, answer the oldest open request", async () => {
    for (const [body, approve] of [
      ["/approve", true],
      ["  /APPROVE\nship it", true],
      ["@switchboard /approve", true],
      ["@switchboard[bot]: /deny", false],
      ["/deny not on a Friday", false],
    ] as const) {
      expect((await commentEvent(body)).approval, body).toEqual({ approve });
    }
  });

  it("a command elsewhere in the comment, or a look-alike, is an ordinary comment", async () => {
    for (const body of ["please /approve", "/approved", "/approve-all", "@someone /approve", "`/approve`"]) {
      expect((await commentEvent(body)).approval, body).toBeUndefined();
    }
  });

  it("write access approves by default; read and triage do not", async () => {
    const { owner, repo } = uniqueRepo("roles");
    const octokit = githubClient(config());
    const target = { owner, repo, number: 1, isPullRequest: false };
    for (const [login, role, allowed] of [
      ["rita", "read", false],
      ["tess", "triage", false],
      ["will", "write", true],
      ["mae", "maintain", true],
      ["adam", "admin", true],
    ] as const) {
      await grant(owner, repo, login, role);
      expect(await mayApprove(octokit, target, config(), await commentEvent("/approve", owner, repo, login)), role).toBe(allowed);
    }
    // The repository's owner is its admin without any grant.
    expect(await mayApprove(octokit, target, config(), await commentEvent("/approve", owner, repo, owner))).toBe(true);
  });

  it("GITHUB_APPROVER_ROLE=maintain leaves out write", async () => {
    const { owner, repo } = uniqueRepo("roles");
    const strict = config({ GITHUB_APPROVER_ROLE: "maintain" });
    const octokit = githubClient(strict);
    const target = { owner, repo, number: 1, isPullRequest: false };
    await grant(owner, repo, "will", "write");
    await grant(owner, repo, "mae", "maintain");
    expect(await mayApprove(octokit, target, strict, await commentEvent("/approve", owner, repo, "will"))).toBe(false);
    expect(await mayApprove(octokit, target, strict, await commentEvent("/approve", owner, repo, "mae"))).toBe(true);
  });

  it("a role name GitHub does not have is a config problem naming the variable", () => {
    const parsed = GitHubConfig.safeParse({ BOT_NAME: "switchboard", GITHUB_WEBHOOK_SECRET: "s", GITHUB_TOKEN: "t", GITHUB_APPROVER_ROLE: "triage" });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path[0])).toEqual(["GITHUB_APPROVER_ROLE"]);
  });
});
