import { sign } from "@octokit/webhooks-methods";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordedCalls } from "./support/emulator.ts";
import { githubExample, githubExamples, inRepository, postGitHub, uniqueRepo } from "./support/github.ts";
import { listConversations } from "./support/agents.ts";

/** Asserts that a rejected request reached no conversation and no platform. */
async function expectNothingAccepted(repo: string, before: number) {
  expect(await listConversations()).toBe(before);
  expect(await recordedCalls("github", `/${repo}/`)).toEqual([]);
}

describe("GitHub ingress rejects bad input with the right 4xx and changes nothing", () => {
  const cases: [name: string, status: number, options: (body: string) => Promise<Parameters<typeof postGitHub>[2]>][] = [
    ["forged signature", 401, async () => ({ headers: { "x-hub-signature-256": `sha256=${"ab".repeat(32)}` } })],
    ["wrong secret", 401, async () => ({ secret: "not-the-secret" })],
    ["missing signature", 401, async () => ({ headers: { "x-hub-signature-256": null } })],
    ["sha1-only signature", 401, async (body) => ({ headers: { "x-hub-signature-256": null, "x-hub-signature": `sha1=${body.length}` } })],
    ["missing X-GitHub-Event", 400, async () => ({ headers: { "x-github-event": null } })],
    ["missing X-GitHub-Delivery", 400, async () => ({ headers: { "x-github-delivery": null } })],
    ["form-encoded content", 415, async () => ({ headers: { "content-type": "application/x-www-form-urlencoded" } })],
    ["no content type", 415, async () => ({ headers: { "content-type": null } })],
  ];
  for (const [name, status, options] of cases) {
    it(`${name} → ${status}`, async () => {
      const { owner, repo } = uniqueRepo("reject");
      const payload = inRepository(await githubExample("issues", "opened"), owner, repo);
      const before = await listConversations();
      const response = await postGitHub("issues", payload, await options(JSON.stringify(payload)));
      expect(response.status).toBe(status);
      expect(await response.json()).toHaveProperty("error");
      await expectNothingAccepted(repo, before);
    });
  }

  it("truncated JSON with a valid signature → 400", async () => {
    const { owner, repo } = uniqueRepo("truncated");
    const text = JSON.stringify(inRepository(await githubExample("issues", "opened"), owner, repo));
    const before = await listConversations();
    const response = await postGitHub("issues", null, { body: text.slice(0, text.length / 2) });
    expect(response.status).toBe(400);
    await expectNothingAccepted(repo, before);
  });

  it("a signed body that is JSON but not an issues payload → 400", async () => {
    const before = await listConversations();
    const response = await postGitHub("issues", { action: "opened", hello: "world" });
    expect(response.status).toBe(400);
    expect(await listConversations()).toBe(before);
  });

  it("over the size cap → 413 before the body is read", async () => {
    const { owner, repo } = uniqueRepo("oversize");
    const payload = inRepository(await githubExample("issues", "opened"), owner, repo);
    (payload.issue as { body: string }).body = "x".repeat(1_100_000);
    const before = await listConversations();
    const response = await postGitHub("issues", payload);
    expect(response.status).toBe(413);
    await expectNothingAccepted(repo, before);
  });

  it("over the size cap without Content-Length (streamed) → 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await exports.default.fetch(
      new Request("https://switchboard.test/webhooks/github", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "issues",
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": await sign("irrelevant", "x"),
        },
        body,
        // @ts-expect-error duplex is required for streamed request bodies
        duplex: "half",
      }),
    );
    expect(response.status).toBe(413);
  });

  it("ping → 200 and no conversation", async () => {
    const before = await listConversations();
    const response = await postGitHub("ping", (await githubExamples("ping"))[0]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, pong: true });
    expect(await listConversations()).toBe(before);
  });

  it("events the bot does not handle → 202 with the reason", async () => {
    const { owner, repo } = uniqueRepo("ignored");
    const response = await postGitHub("issues", inRepository(await githubExample("issues", "labeled"), owner, repo));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "ignored", reason: 'GitHub "issues.labeled" events do not start a turn' });
  });

  it("unknown routes → 404, wrong method → 404", async () => {
    expect((await exports.default.fetch("https://switchboard.test/webhooks/gitlab", { method: "POST" })).status).toBe(404);
    expect((await exports.default.fetch("https://switchboard.test/webhooks/github")).status).toBe(404);
  });
});
