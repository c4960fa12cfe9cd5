import { describe, expect, it } from "vitest";
import { settled } from "./support/agents.ts";
import { injectFault, isCommentPost, isLabelPost, recordedCalls } from "./support/emulator.ts";
import { CLEAR_BUG, openedIssue, postGitHub, uniqueRepo } from "./support/github.ts";

async function openIssue(owner: string, repo: string) {
  expect((await postGitHub("issues", await openedIssue(owner, repo, CLEAR_BUG))).status).toBe(200);
}

// A 429 with Retry-After on the reply is test/contract's, for every channel.
describe("GitHub API failures: rate limits are waited out, nothing is lost or doubled", () => {
  it("GitHub's secondary rate limit (403 + Retry-After) on labels → labels applied once", async () => {
    const { owner, repo } = uniqueRepo("secondary");
    await injectFault({
      platform: "github",
      method: "POST",
      pathPattern: `/${repo}/issues/1/labels`,
      kind: "status",
      status: 403,
      retryAfter: 1,
      secondaryRateLimit: true,
    });
    await openIssue(owner, repo);
    await settled(`github:${owner}/${repo}#1`);
    const calls = await recordedCalls("github", `/${repo}/`);
    expect(calls.filter(isLabelPost).map((call) => call.status)).toEqual([403, 200]);
    expect(calls.filter(isCommentPost).map((call) => call.status)).toEqual([201]);
  });

  it("a 502 on a read is retried in place", async () => {
    const { owner, repo } = uniqueRepo("flaky-read");
    await injectFault({ platform: "github", method: "GET", pathPattern: `/${repo}/labels`, kind: "status", status: 502, times: 2 });
    await openIssue(owner, repo);
    await settled(`github:${owner}/${repo}#1`);
    const reads = (await recordedCalls("github", `/${repo}/labels`)).filter((call) => call.method === "GET");
    expect(reads.map((call) => call.status)).toEqual([502, 502, 200]);
    expect((await recordedCalls("github", `/${repo}/`)).filter(isCommentPost)).toHaveLength(1);
  });
});
