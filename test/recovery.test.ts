import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationAgent } from "../src/worker.ts";
import { conversation, settled } from "./support/agents.ts";
import { injectFault, isCommentPost, isLabelPost, recordedCalls, waitFor } from "./support/emulator.ts";
import { CLEAR_BUG, openedIssue, postGitHub, uniqueRepo } from "./support/github.ts";

async function stepsDone(key: string): Promise<number> {
  const agent = await conversation(key);
  return runInDurableObject(agent, (instance: ConversationAgent) => instance.snapshot().current?.steps.length ?? -1);
}

/**
 * The embedded model's issue turn: 0 model → 1 list_labels (GET) → 2 model → 3 add_labels
 * (POST) → 4 model → 5 reply (POST comment). A crash is forced while the next platform call
 * is held by the emulator, i.e. right after step `after` was journaled.
 */
const boundaries = [
  { after: 0, hold: { method: "GET", path: "/labels" }, modelStepsDone: 1 },
  { after: 2, hold: { method: "POST", path: "/issues/1/labels" }, modelStepsDone: 2 },
  { after: 4, hold: { method: "POST", path: "/issues/1/comments" }, modelStepsDone: 3 },
];

describe("crash recovery: the process dies mid-turn, the turn completes once", () => {
  for (const { after, hold, modelStepsDone } of boundaries) {
    it(`killed after step ${after} (before ${hold.method} ${hold.path}): one comment, labels once, no model call repeated`, async () => {
      const { owner, repo } = uniqueRepo(`crash-${after}`);
      const key = `github:${owner}/${repo}#1`;
      await injectFault({
        platform: "github",
        method: hold.method,
        pathPattern: `/repos/${owner}/${repo}${hold.path}`,
        kind: "timeout",
        delayMs: 1500,
        then: "gateway-timeout",
      });
      const payload = await openedIssue(owner, repo, CLEAR_BUG);
      expect((await postGitHub("issues", payload)).status).toBe(200);

      await waitFor(`step ${after} to be journaled`, async () => (await stepsDone(key)) === after + 1);
      await abortAllDurableObjects();

      const state = await settled(key);
      expect(state.last).toMatchObject({ status: "done", replayedSteps: after + 1, modelCalls: 3 - modelStepsDone });
      const calls = await recordedCalls("github", `/${repo}/`);
      expect(calls.filter((c) => isCommentPost(c) && c.status === 201)).toHaveLength(1);
      expect(calls.filter((c) => isLabelPost(c) && c.status === 200)).toHaveLength(1);
    });
  }

  // A tool's side effect; the same for the reply is test/contract's, for every channel.
  it("killed after the platform applied POST /issues/1/labels but before the journal recorded it: not applied twice", async () => {
    const { owner, repo } = uniqueRepo("applied");
    const key = `github:${owner}/${repo}#1`;
    // Held, then applied even though the caller is gone: the hardest case for exactly-once.
    await injectFault({
      platform: "github",
      method: "POST",
      pathPattern: `/repos/${owner}/${repo}/issues/1/labels$`,
      kind: "timeout",
      delayMs: 800,
      then: "proceed",
    });
    const payload = await openedIssue(owner, repo, CLEAR_BUG);
    expect((await postGitHub("issues", payload)).status).toBe(200);

    // Steps 0–2 (model, list_labels, model) are journaled; add_labels is in flight.
    await waitFor("the turn to reach step 3", async () => (await stepsDone(key)) === 3);
    await abortAllDurableObjects();
    await waitFor("the held call to land", async () =>
      (await recordedCalls("github", `/${repo}/issues/1/labels`)).some((c) => c.method === "POST" && c.status < 300),
    );

    await settled(key);
    const calls = await recordedCalls("github", `/${repo}/`);
    expect(calls.filter((c) => isCommentPost(c) && c.status === 201)).toHaveLength(1);
    expect(calls.filter((c) => isLabelPost(c) && c.status === 200)).toHaveLength(1);
  });
});
