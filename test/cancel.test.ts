import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationAgent } from "../src/worker.ts";
import type { NormalizedEventInput } from "../src/event.ts";
import { conversation } from "./support/agents.ts";
import { injectFault, isCommentPost, recordedCalls, waitFor } from "./support/emulator.ts";
import { CLEAR_BUG, openedIssue, postGitHub, uniqueRepo } from "./support/github.ts";

describe("cancelling a running turn", () => {
  it("a cancel event stops the turn: settled as cancelled, no reply posted", async () => {
    const { owner, repo } = uniqueRepo("cancel");
    const key = `github:${owner}/${repo}#1`;
    // Hold the labels call so the turn is mid-flight when the cancel arrives.
    await injectFault({ platform: "github", method: "POST", pathPattern: `/${repo}/issues/1/labels`, kind: "timeout", delayMs: 1500, then: "gateway-timeout" });
    expect((await postGitHub("issues", await openedIssue(owner, repo, CLEAR_BUG))).status).toBe(200);
    const agent = await conversation(key);
    await waitFor("the turn to be mid-flight", async () =>
      runInDurableObject(agent, (instance: ConversationAgent) => (instance.snapshot().current?.steps.length ?? 0) >= 3),
    );

    const cancel: NormalizedEventInput = {
      channel: "github",
      dedupeId: `cancel-${repo}`,
      conversationKey: key,
      kind: "cancel",
      actor: { id: "1", name: "octocat", isBot: false, isSelf: false },
      text: "",
      addressedToBot: true,
      occurredAt: new Date().toISOString(),
      replyTo: { owner, repo, number: 1, isPullRequest: false },
    };
    expect(await agent.accept(cancel, "triage")).toMatchObject({ status: "accepted" });
    expect(await agent.accept(cancel, "triage")).toMatchObject({ status: "duplicate" });

    const state = await waitFor("the cancelled turn to settle", async () => {
      const current = await runInDurableObject(agent, (instance: ConversationAgent) => instance.snapshot());
      return current.last?.status === "cancelled" && current.current === null ? current : null;
    });
    expect(state.pending).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // past the held call
    expect((await recordedCalls("github", `/${repo}/`)).filter(isCommentPost)).toHaveLength(0);
  });

  it("a cancel with nothing running is ignored with the reason", async () => {
    const agent = await conversation(`github:switchboard-tests/idle-${crypto.randomUUID()}#1`);
    const outcome = await agent.accept({
      channel: "github",
      dedupeId: crypto.randomUUID(),
      conversationKey: "github:x/y#1",
      kind: "cancel",
      actor: { id: "1", name: "octocat", isBot: false, isSelf: false },
      text: "",
      addressedToBot: true,
      occurredAt: new Date().toISOString(),
      replyTo: { owner: "x", repo: "y", number: 1, isPullRequest: false },
    }, "triage");
    expect(outcome).toEqual({ status: "ignored", reason: "no turn is running in this conversation" });
  });
});
