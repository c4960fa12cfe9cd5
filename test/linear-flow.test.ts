import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { testToolContext } from "./support/tools.ts";
import { describe, expect, it } from "vitest";
import type { ConversationAgent } from "../src/worker.ts";
import { LinearConfig } from "../channels/linear/config.ts";
import { linearTools } from "../channels/linear/tools.ts";
import { TEST_LINEAR_API_KEY } from "./env.ts";
import { conversation } from "./support/agents.ts";
import { emulatorUrl, injectFault, waitFor } from "./support/emulator.ts";
import {
  BOT,
  HUMAN,
  issueWebhook,
  linearCalls,
  linearState,
  postLinear,
  seedIssue,
  seedPrompt,
  seedSession,
  seedTeam,
  sessionCreatedWebhook,
  sessionPromptedWebhook,
  succeeded,
  type SeededIssue,
  type SeededTeam,
} from "./support/linear.ts";
import { CRASH_REPORT } from "./support/reports.ts";

const CRASH = { title: CRASH_REPORT.title, description: CRASH_REPORT.body };

async function state(key: string) {
  const agent = await conversation(key);
  return runInDurableObject(agent, (instance: ConversationAgent) => instance.snapshot());
}

async function settled(key: string) {
  return waitFor(`${key} to settle`, async () => {
    const current = await state(key);
    return current.pending === 0 && current.current === null && current.last ? current : null;
  }, 20_000);
}

async function issueInState(team: SeededTeam, issue: SeededIssue) {
  const snapshot = await linearState();
  const found = snapshot.teams.find((t) => t.id === team.id)?.issues.find((i) => i.id === issue.id);
  if (!found) throw new Error("issue not in the emulator's state");
  return found as {
    priority: number;
    labels: string[];
    comments: Array<{ body: string; userId: string; parentId: string | null }>;
    sessions: Array<{ status: string; activities: Array<{ id: string; content: { type: string; body?: string; action?: string }; userId: string }> }>;
  };
}

// What every channel does (one reply in place, duplicates, crashes, 429, signatures, its own
// messages, conversation keys) is test/contract's; this file holds what only Linear does.
describe("Linear: an issue assigned to the bot is triaged once", () => {
  it("priority, an existing team label and one comment land at the GraphQL endpoint", async () => {
    const team = await seedTeam();
    const issue = await seedIssue(team, CRASH.title, CRASH.description);
    const key = `linear:${issue.id}`;
    const response = await postLinear(issueWebhook(issue, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: null } }));
    expect(response.status).toBe(200);
    const done = await settled(key);
    expect(done.last).toMatchObject({ status: "done" });

    const after = await issueInState(team, issue);
    expect(after.labels).toEqual(["Bug"]);
    expect(after.priority).toBe(2); // High: a crash with a stack trace
    expect(after.comments).toHaveLength(1);
    const body = after.comments[0]!.body;
    expect(body).toMatch(/\*\*Triage:\*\* this looks like a bug report/);
    expect(body).toMatch(/Labels applied: `Bug`/);
    expect(body).toMatch(/Priority set: High/);
    expect(body).toMatch(/<!-- switchboard:.+ -->$/);
    expect(after.comments[0]!.userId).toBe(BOT.id);

    // It read the team's labels before choosing, and each write happened once.
    const labelsRead = await linearCalls(team.id, "team_labels");
    const labelWrites = (await linearCalls(issue.id, "issueAddLabel")).filter(succeeded);
    expect(labelsRead.length).toBeGreaterThan(0);
    expect(labelsRead[0]!.seq).toBeLessThan(labelWrites[0]!.seq);
    expect(labelWrites).toHaveLength(1);
    expect((await linearCalls(issue.id, "updateIssue")).filter(succeeded)).toHaveLength(1);
    expect((await linearCalls(issue.id, "createComment")).filter(succeeded)).toHaveLength(1);
    // Outside a session nothing is sent as an agent activity.
    expect(await linearCalls(issue.id, "createAgentActivity")).toHaveLength(0);
  });

  it("a RATELIMITED answer sent as HTTP 400, as Linear sends it, is waited out and retried: the label lands once", async () => {
    const team = await seedTeam();
    const issue = await seedIssue(team, CRASH.title, CRASH.description);
    await injectFault({ platform: "linear", pathPattern: "#issueAddLabel$", kind: "status", status: 400, retryAfter: 1 });
    await postLinear(issueWebhook(issue, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: null } }));
    const done = await settled(`linear:${issue.id}`);
    expect(done.last).toMatchObject({ status: "done" });

    const labelCalls = await linearCalls(issue.id, "issueAddLabel");
    expect(labelCalls.map((c) => c.status)).toEqual([400, 200]);
    expect((labelCalls[0]!.response as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe("RATELIMITED");
    expect((await issueInState(team, issue)).labels).toEqual(["Bug"]);
  });
});

describe("Linear agent sessions", () => {
  async function delegated() {
    const team = await seedTeam();
    const issue = await seedIssue(team, CRASH.title, CRASH.description);
    const session = await seedSession(issue);
    return { team, issue, session, key: `linear:${issue.id}` };
  }

  it("created → a thought first, action activities for the tool calls, one response last", async () => {
    const { team, issue, session, key } = await delegated();
    expect((await postLinear(sessionCreatedWebhook(issue, session.id))).status).toBe(200);
    await settled(key);

    const activities = (await issueInState(team, issue)).sessions[0]!.activities;
    const types = activities.map((a) => a.content.type);
    expect(types[0]).toBe("thought");
    expect(types.at(-1)).toBe("response");
    expect(types.filter((t) => t === "thought")).toHaveLength(1);
    expect(types.filter((t) => t === "response")).toHaveLength(1);
    expect(activities.filter((a) => a.content.type === "action").map((a) => a.content.action)).toEqual(["Added labels", "Set priority"]);
    expect(activities.at(-1)!.content.body).toMatch(/\*\*Triage:\*\* this looks like a bug report/);
    expect(activities.every((a) => a.userId === BOT.id)).toBe(true);
    // The answer went to the session, not into a comment.
    expect((await issueInState(team, issue)).comments).toHaveLength(0);
    expect((await issueInState(team, issue)).sessions[0]!.status).toBe("complete");
  });

  it("a turn that cannot deliver its response ends the session with one error activity, not silence", async () => {
    const { team, issue, session, key } = await delegated();
    // Linear refuses every activity of the turn (thought, both actions, the response) as invalid input.
    await injectFault({ platform: "linear", pathPattern: "#createAgentActivity$", kind: "status", status: 400, times: 4 });
    expect((await postLinear(sessionCreatedWebhook(issue, session.id))).status).toBe(200);
    const done = await settled(key);
    expect(done.last).toMatchObject({ status: "failed" });
    const activities = (await issueInState(team, issue)).sessions[0]!.activities;
    expect(activities.map((a) => a.content.type)).toEqual(["error"]);
  });

  it("a crash mid-turn: after recovery still exactly one thought and one response, labels once", async () => {
    const { team, issue, session, key } = await delegated();
    // Hold the label write so the process dies with the turn half done (thought already sent).
    await injectFault({ platform: "linear", pathPattern: "#issueAddLabel$", kind: "timeout", delayMs: 1500, then: "gateway-timeout" });
    expect((await postLinear(sessionCreatedWebhook(issue, session.id))).status).toBe(200);
    await waitFor("the label write to be in flight", async () => ((await state(key)).current?.steps.length ?? 0) >= 3);
    await abortAllDurableObjects();

    const done = await settled(key);
    // Recovered from the journal (model, list_labels, model), not re-run from scratch.
    expect(done.last).toMatchObject({ status: "done", replayedSteps: 3 });
    // The re-run looked at the session's activities before sending its thought again.
    expect((await linearCalls(session.id, "agentSession_activities")).length).toBeGreaterThan(0);
    const after = await issueInState(team, issue);
    const types = after.sessions[0]!.activities.map((a) => a.content.type);
    expect(types[0]).toBe("thought");
    expect(types.at(-1)).toBe("response");
    expect(types.filter((t) => t === "thought")).toHaveLength(1);
    expect(types.filter((t) => t === "response")).toHaveLength(1);
    expect(after.labels).toEqual(["Bug"]);
    expect((await linearCalls(session.id, "createAgentActivity")).filter(succeeded).length).toBe(after.sessions[0]!.activities.length);
  });

  it("stop ends the running turn: settled as cancelled, no further activity", async () => {
    const { team, issue, session, key } = await delegated();
    await injectFault({ platform: "linear", pathPattern: "#issueAddLabel$", kind: "timeout", delayMs: 1500, then: "gateway-timeout" });
    await postLinear(sessionCreatedWebhook(issue, session.id));
    await waitFor("the turn to be mid-flight", async () => ((await state(key)).current?.steps.length ?? 0) >= 3);

    const prompt = await seedPrompt(session.id, "", "stop");
    const stop = await postLinear(sessionPromptedWebhook(issue, session.id, prompt, "", "stop"));
    expect(stop.status).toBe(200);
    await waitFor("the turn to be cancelled", async () => {
      const current = await state(key);
      return current.last?.status === "cancelled" && current.current === null;
    });
    await new Promise((resolve) => setTimeout(resolve, 2500)); // past the held call and any retry

    const activities = (await issueInState(team, issue)).sessions[0]!.activities;
    const stopIndex = activities.findIndex((a) => a.content.type === "prompt");
    expect(activities.slice(stopIndex + 1)).toEqual([]);
    expect(activities.map((a) => a.content.type)).not.toContain("response");
    expect(activities.map((a) => a.content.type)).not.toContain("error");
    expect((await issueInState(team, issue)).labels).toEqual([]);
    expect(HUMAN.id).toBe(activities[stopIndex]!.userId);
  });
});

describe("Linear triage tools against the emulated workspace", () => {
  const config = LinearConfig.parse({
    BOT_NAME: "switchboard",
    LINEAR_WEBHOOK_SECRET: "s",
    LINEAR_API_KEY: TEST_LINEAR_API_KEY,
    LINEAR_API_URL: `${emulatorUrl}/linear/graphql`,
  });
  const effect = { idempotencyKey: "k", replay: false };
  const on = (issueId: string, linear = config) => testToolContext(effect, { name: "linear", target: { issueId }, config: linear });

  it("set_state follows the team's workflow; set_estimate only on a team that estimates; link_issues once", async () => {
    const team = await seedTeam({ issueEstimationType: "fibonacci" });
    const issue = await seedIssue(team, "Crash", "");
    const original = await seedIssue(team, "Crash (older report)", "");
    const context = on(issue.id);

    expect(await linearTools.set_state.execute({ state: "backlog" }, context)).toEqual({ state: "Backlog" });
    expect(await linearTools.set_estimate.execute({ estimate: 3 }, context)).toEqual({ estimate: 3 });
    await expect(linearTools.set_estimate.execute({ estimate: 4 }, context)).rejects.toThrow(/fibonacci scale allows 1, 2, 3, 5, 8/);
    expect(await linearTools.link_issues.execute({ issue: original.identifier, type: "duplicate" }, context)).toEqual({ linked: original.identifier, type: "duplicate" });
    await linearTools.link_issues.execute({ issue: original.identifier, type: "duplicate" }, { ...context, replay: true });
    await expect(linearTools.add_labels.execute({ labels: ["Urgent-ish"] }, context)).rejects.toThrow(/no label named "Urgent-ish".*existing labels: Bug, Feature, Improvement/);

    const after = (await linearState()).teams.find((t) => t.id === team.id)!.issues.find((i) => i.id === issue.id) as Record<string, unknown>;
    expect(after).toMatchObject({ state: "Backlog", estimate: 3 });
    expect(after.relations).toHaveLength(1);

    const plain = await seedTeam();
    const unestimated = await seedIssue(plain, "x", "");
    await expect(linearTools.set_estimate.execute({ estimate: 1 }, on(unestimated.id))).rejects.toThrow(
      "this team does not use estimates",
    );
  });

  it("wrong credentials surface as Linear's authentication error, not retried", async () => {
    const team = await seedTeam();
    const issue = await seedIssue(team, "x", "");
    const bad = LinearConfig.parse({ BOT_NAME: "switchboard", LINEAR_WEBHOOK_SECRET: "s", LINEAR_API_KEY: "lin_api_wrong", LINEAR_API_URL: `${emulatorUrl}/linear/graphql` });
    await expect(linearTools.list_labels.execute({}, on(issue.id, bad))).rejects.toMatchObject({
      type: "AuthenticationError",
      status: 400,
    });
  });
});
