import { abortAllDurableObjects } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { UNDEFINED_FIELD } from "../fixtures/snippet-reports.ts";
import { settled } from "../support/agents.ts";
import { isCommentPost, recordedCalls, waitFor } from "../support/emulator.ts";
import { faultSpent, faultsOfThisTest } from "../support/faults.ts";
import { openedIssue, postGitHub } from "../support/github.ts";
import { sandboxRuns } from "./reproducer-agent.ts";

const faults = faultsOfThisTest();
afterEach(() => faults.cleanUp());

describe("a sandbox run is a journaled tool step", () => {
  it("killed after the sandbox ran but before the journal recorded it: it runs again once, and one comment is posted", async () => {
    const owner = "switchboard-tests";
    const repo = `reproduce-${crypto.randomUUID().slice(0, 8)}`;
    const key = `github:${owner}/${repo}#1`;
    const runsHere = () => sandboxRuns.filter((run) => run === key).length;
    // The tool's GitHub call after the run is held; the object dies while it is.
    const held = await faults.inject({ platform: "github", method: "GET", pathPattern: `/repos/${owner}/${repo}/labels`, kind: "timeout", delayMs: 1500, then: "proceed" });
    expect((await postGitHub("issues", await openedIssue(owner, repo, UNDEFINED_FIELD))).status).toBe(200);
    await waitFor("the sandbox to have run once", async () => runsHere() === 1);
    await waitFor("the call after it to be held", () => faultSpent(held));
    await abortAllDurableObjects();

    const state = await settled(key, 20_000);
    expect(state.last).toMatchObject({ status: "done", reply: "Sandbox verdict: reproduced" });
    // The step had not been journaled, so the re-run ran it again: once, not more.
    expect(runsHere()).toBe(2);
    const comments = (await recordedCalls("github", `/${owner}/${repo}/`)).filter(isCommentPost);
    expect(comments.map((call) => (call.body as { body: string }).body.split("\n")[0])).toEqual(["Sandbox verdict: reproduced"]);
  });

  it("killed after the step was journaled: the re-run answers it from the journal and the sandbox does not run again", async () => {
    const owner = "switchboard-tests";
    const repo = `reproduce-${crypto.randomUUID().slice(0, 8)}`;
    const key = `github:${owner}/${repo}#1`;
    const runsHere = () => sandboxRuns.filter((run) => run === key).length;
    // The reply is held this time: the sandbox step is already in the journal when the object dies.
    const held = await faults.inject({ platform: "github", method: "POST", pathPattern: `/repos/${owner}/${repo}/issues/1/comments`, kind: "timeout", delayMs: 1500, then: "gateway-timeout" });
    expect((await postGitHub("issues", await openedIssue(owner, repo, UNDEFINED_FIELD))).status).toBe(200);
    await waitFor("the reply to be held", () => faultSpent(held));
    await abortAllDurableObjects();

    const state = await settled(key, 20_000);
    expect(state.last).toMatchObject({ status: "done" });
    expect(runsHere()).toBe(1);
    const comments = (await recordedCalls("github", `/${owner}/${repo}/`)).filter((call) => isCommentPost(call) && call.status === 201);
    expect(comments).toHaveLength(1);
  });
});
