import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationAgent } from "../src/worker.ts";
import { NormalizedEvent, type NormalizedEventInput } from "../src/event.ts";
import { conversation, settled } from "./support/agents.ts";
import { injectFault, isCommentPost, recordedCalls, waitFor } from "./support/emulator.ts";
import { CLEAR_BUG, uniqueRepo } from "./support/github.ts";

function issueEvents(owner: string, repo: string) {
  const conversationKey = `github:${owner}/${repo}#1`;
  const base = {
    channel: "github",
    conversationKey,
    actor: { id: "1", name: "octocat", isBot: false, isSelf: false },
    addressedToBot: true,
    replyTo: { owner, repo, number: 1, isPullRequest: false },
  } as const;
  const opened: NormalizedEventInput = {
    ...base,
    dedupeId: `opened-${repo}`,
    kind: "issue_opened",
    title: CLEAR_BUG.title,
    text: CLEAR_BUG.body,
    occurredAt: new Date().toISOString(),
  };
  const comment = (n: number): NormalizedEventInput => ({
    ...base,
    dedupeId: `comment-${n}-${repo}`,
    kind: "comment",
    text: `follow-up ${n}: it also crashes with --safe-mode`,
    occurredAt: new Date().toISOString(),
  });
  return { conversationKey, opened, comment };
}

/** What would bring the conversation back after a crash: fiber rows and scheduled wake-ups. */
async function wakeSources(key: string) {
  return runInDurableObject(await conversation(key), (instance: ConversationAgent, state) => ({
    fibers: state.storage.sql.exec<{ name: string }>("SELECT name FROM cf_agents_runs").toArray().map((row) => row.name),
    schedules: instance.getSchedules().length,
  }));
}

async function postedComments(repo: string) {
  return (await recordedCalls("github", `/${repo}/`)).filter((call) => isCommentPost(call) && call.status === 201);
}

/** Holds the turn's first GitHub call in `repo`, so its fiber is still running while the test looks. */
function holdFirstCall(owner: string, repo: string, then: "proceed" | "gateway-timeout" = "proceed") {
  return injectFault({ platform: "github", pathPattern: `/repos/${owner}/${repo}/`, kind: "timeout", delayMs: 1500, then });
}

describe("conversation agent: one drain fiber covers every accepted event", () => {
  it("accept() returns with the event and the fiber that will run it written together, and schedules nothing", async () => {
    const { owner, repo } = uniqueRepo("drain");
    const { conversationKey, opened } = issueEvents(owner, repo);
    await holdFirstCall(owner, repo);
    const seen = await runInDurableObject(await conversation(conversationKey), async (instance: ConversationAgent, state) => {
      const outcome = await instance.accept(opened, "triage");
      // Read in the same activation, before any other work could add or remove a row.
      const fibers = state.storage.sql.exec<{ name: string }>("SELECT name FROM cf_agents_runs").toArray();
      return { outcome, fibers: fibers.map((row) => row.name), schedules: instance.getSchedules().length };
    });
    expect(seen).toEqual({ outcome: { status: "accepted", seq: 1 }, fibers: ["drain"], schedules: 0 });
    await settled(conversationKey);
    expect(await wakeSources(conversationKey)).toEqual({ fibers: [], schedules: 0 });
  });

  it("events accepted while a turn runs join the same fiber and run in order, one reply each", async () => {
    const { owner, repo } = uniqueRepo("queue");
    const { conversationKey, opened, comment } = issueEvents(owner, repo);
    await holdFirstCall(owner, repo);
    const agent = await conversation(conversationKey);
    expect(await agent.accept(opened, "triage")).toMatchObject({ status: "accepted", seq: 1 });
    expect(await agent.accept(comment(1), "triage")).toMatchObject({ status: "accepted", seq: 2 });
    expect(await agent.accept(comment(2), "triage")).toMatchObject({ status: "accepted", seq: 3 });
    expect(await wakeSources(conversationKey)).toEqual({ fibers: ["drain"], schedules: 0 });

    const state = await waitFor("all three turns", async () => {
      const current = await settled(conversationKey);
      return current.turns.done === 3 ? current : null;
    });
    expect(state.inbox.map((row) => [row.seq, row.status])).toEqual([
      [3, "done"],
      [2, "done"],
      [1, "done"],
    ]);
    expect(await postedComments(repo)).toHaveLength(3);
    expect(await wakeSources(conversationKey)).toEqual({ fibers: [], schedules: 0 });
  });

  it("a crash with events queued behind the running turn: after recovery every one is answered once", async () => {
    const { owner, repo } = uniqueRepo("queued-crash");
    const { conversationKey, opened, comment } = issueEvents(owner, repo);
    // The held call never lands: the process that made it is gone.
    await holdFirstCall(owner, repo, "gateway-timeout");
    const agent = await conversation(conversationKey);
    await agent.accept(opened, "triage");
    await agent.accept(comment(1), "triage");
    await agent.accept(comment(2), "triage");
    await abortAllDurableObjects();

    const state = await waitFor("all three turns after recovery", async () => {
      const current = await settled(conversationKey);
      return current.turns.done === 3 ? current : null;
    });
    expect(state.turns).toEqual({ done: 3, failed: 0 });
    expect(await postedComments(repo)).toHaveLength(3);
  });

  it("after an upgrade, a turn interrupted under an earlier version's per-turn fiber (turn:<seq>) is recovered", async () => {
    const { owner, repo } = uniqueRepo("legacy-fiber");
    const { conversationKey, opened } = issueEvents(owner, repo);
    const agent = await conversation(conversationKey);
    // What the process left behind: the event pending, and the fiber it died in.
    await runInDurableObject(agent, (_instance: ConversationAgent, state) => {
      const sql = state.storage.sql;
      sql.exec(
        "INSERT INTO sb_inbox (dedupe_id, event, received_at) VALUES (?, ?, ?)",
        opened.dedupeId,
        JSON.stringify(NormalizedEvent.parse(opened)),
        Date.now(),
      );
      sql.exec("INSERT INTO cf_agents_runs (id, name, snapshot, created_at) VALUES ('legacy', 'turn:1', NULL, ?)", Date.now());
    });
    await abortAllDurableObjects();

    // Any call starts the object again, and its start looks for interrupted fibers.
    expect(await (await conversation(conversationKey)).accept(opened, "triage")).toMatchObject({ status: "duplicate", seq: 1 });
    const state = await settled(conversationKey);
    expect(state.last).toMatchObject({ seq: 1, status: "done" });
    expect(await postedComments(repo)).toHaveLength(1);
  });
});
