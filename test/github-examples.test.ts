import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GitHubPayload } from "../dev/github-events.ts";
import { conversation } from "./support/agents.ts";
import { waitFor } from "./support/emulator.ts";
import { githubExamples, inRepository, postGitHub, uniqueRepo } from "./support/github.ts";

/** What Switchboard should make of each of GitHub's documented payloads. */
function expected(event: string, payload: GitHubPayload): { status: 200; kind: string } | { status: 202 } {
  const action = payload.action;
  const draft = (payload.pull_request as { draft?: boolean } | undefined)?.draft === true;
  if (event === "issues" && action === "opened") return { status: 200, kind: "issue_opened" };
  if (event === "issues" && action === "reopened") return { status: 200, kind: "issue_reopened" };
  if (event === "pull_request" && (action === "opened" || action === "ready_for_review") && !draft) {
    return { status: 200, kind: action === "opened" ? "pr_opened" : "pr_ready_for_review" };
  }
  // Assignments to someone else, comments that do not mention the bot in a conversation it
  // has not joined, and every other action start nothing.
  return { status: 202 };
}

const EVENTS = ["issues", "issue_comment", "pull_request", "pull_request_review_comment"];

describe("every GitHub example payload for the handled events", () => {
  for (const event of EVENTS) {
    it(`${event}: no 5xx; supported ones start exactly the expected turn, the rest are ignored with a reason`, async () => {
      const examples = await githubExamples(event);
      expect(examples.length).toBeGreaterThan(0);
      for (const [index, example] of examples.entries()) {
        const { owner, repo } = uniqueRepo(`${event}-${index}`);
        const payload = inRepository(example, owner, repo);
        const want = expected(event, payload);
        const response = await postGitHub(event, payload);
        const body = (await response.json()) as { status: string; reason?: string; conversationKey?: string };
        const label = `${event}.${payload.action} #${index}`;
        expect(response.status, label).toBe(want.status);
        if (want.status === 202) {
          expect(body.status, label).toBe("ignored");
          expect(body.reason, label).toMatch(/\w+/);
          continue;
        }
        expect(body.status, label).toBe("accepted");
        const agent = await conversation(body.conversationKey!);
        const state = await waitFor(`${label} to finish its turn`, async () => {
          const current = await agent.snapshot();
          return current.turns.done === 1 && current.pending === 0 ? current : null;
        });
        expect(state.turns, label).toEqual({ done: 1, failed: 0 });
        const prompts = await runInDurableObject(agent, (_: unknown, storage: DurableObjectState) =>
          storage.storage.sql.exec<{ content: string }>("SELECT content FROM sb_history WHERE role = 'user'").toArray(),
        );
        expect(prompts.map((p) => p.content.split("\n")[0]), label).toEqual([
          `[github ${want.kind}] from ${(payload.sender as { login: string }).login}`,
        ]);
      }
    });
  }
});
