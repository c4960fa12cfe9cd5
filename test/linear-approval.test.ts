import { describe, expect, it } from "vitest";
import { HUMAN, linearEvents, type SeededIssue } from "../dev/linear-events.ts";
import { mayApprove } from "../channels/linear/approval.ts";
import { linearApi } from "../channels/linear/client.ts";
import { LinearConfig } from "../channels/linear/config.ts";
import { interpretLinear } from "../channels/linear/normalize.ts";
import type { InboundRequest } from "../src/channel.ts";
import { NormalizedEvent } from "../src/event.ts";
import { TEST_LINEAR, TEST_LINEAR_API_KEY } from "./env.ts";
import { emulatorUrl } from "./support/emulator.ts";

const config = (extra: Record<string, string> = {}) =>
  LinearConfig.parse({ BOT_NAME: "switchboard", LINEAR_WEBHOOK_SECRET: "s", LINEAR_API_KEY: TEST_LINEAR_API_KEY, LINEAR_API_URL: `${emulatorUrl}/linear/graphql`, LINEAR_BOT_USER_ID: TEST_LINEAR.botUserId, ...extra });
const { commentWebhook, sessionChoiceWebhook, sessionPromptedWebhook } = linearEvents(TEST_LINEAR);

const ISSUE: SeededIssue = {
  id: "1a2b3c4d-0000-4000-8000-000000000042",
  identifier: "ENG-42",
  number: 42,
  title: "Crash on save",
  description: "",
  url: "https://linear.app/acme/issue/ENG-42",
  team: { id: "7e7e7e7e-0000-4000-8000-000000000001" },
  createdAt: "2026-11-22T03:00:00.000Z",
  updatedAt: "2026-11-22T03:00:00.000Z",
};
const SESSION = "5e55e55e-0000-4000-8000-000000000001";

function eventOf(payload: unknown): NormalizedEvent {
  const text = JSON.stringify(payload);
  const request: InboundRequest = { text, body: new TextEncoder().encode(text), headers: new Headers({ "linear-delivery": crypto.randomUUID() }), now: Date.now() };
  const result = interpretLinear(request, config());
  if (result.type !== "event") throw new Error(`not an event: ${JSON.stringify(result)}`);
  return NormalizedEvent.parse(result.event);
}

const prompt = (body: string) => eventOf(sessionPromptedWebhook(ISSUE, SESSION, { id: crypto.randomUUID(), createdAt: new Date().toISOString() }, body));
const comment = (body: string) => eventOf(commentWebhook(ISSUE, body));

async function person(user: { id: string; name: string; guest?: boolean; admin?: boolean; active?: boolean }) {
  const response = await fetch(`${emulatorUrl}/_emulator/linear/users`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
  expect(response.status).toBe(201);
  return eventOf(sessionChoiceWebhook(ISSUE, SESSION, { id: crypto.randomUUID(), createdAt: new Date().toISOString() }, "Approve", user));
}

const uuid = (tail: string) => `0c5b7a2e-0000-4000-8000-${tail.padStart(12, "0")}`;

describe("Linear approvals: answers in a session or a comment, decided by workspace membership", () => {
  it("in a session, picking Approve or Deny (or typing a command) answers the open request; free text does not", () => {
    expect(prompt("Approve").approval).toEqual({ approve: true });
    expect(prompt(" deny ").approval).toEqual({ approve: false });
    expect(prompt("/approve ship it").approval).toEqual({ approve: true });
    expect(prompt("approve it once the tests pass").approval).toBeUndefined();
    expect(prompt("Approved").approval).toBeUndefined();
  });

  it("in a comment only the command answers, with or without the bot's @-mention", () => {
    expect(comment("/approve").approval).toEqual({ approve: true });
    expect(comment("@switchboard /deny too risky").approval).toEqual({ approve: false });
    expect(comment("Approve").approval).toBeUndefined();
    expect(comment("please /approve").approval).toBeUndefined();
  });

  it("an answer typed in the session's thread also names its comment, so that comment's webhook is the same answer", () => {
    const payload = sessionPromptedWebhook(ISSUE, SESSION, { id: crypto.randomUUID(), createdAt: new Date().toISOString() }, "/approve");
    Object.assign(payload.agentActivity!, { sourceCommentId: "c0117e47-0000-4000-8000-000000000001" });
    expect(eventOf(payload).aliases).toContain("linear:comment:c0117e47-0000-4000-8000-000000000001");
  });

  it("by default active members approve; guests, suspended people and apps do not", async () => {
    const api = linearApi(config());
    expect(await mayApprove(api, config(), await person({ id: uuid("a1"), name: "Mia Member" }))).toBe(true);
    expect(await mayApprove(api, config(), await person({ id: uuid("a2"), name: "Gus Guest", guest: true }))).toBe(false);
    expect(await mayApprove(api, config(), await person({ id: uuid("a3"), name: "Sam Suspended", active: false }))).toBe(false);
  });

  it("LINEAR_APPROVERS names who may: user ids, or admins", async () => {
    const api = linearApi(config());
    const member = await person({ id: uuid("b1"), name: "Mia Member" });
    const admin = await person({ id: uuid("b2"), name: "Ann Admin", admin: true });
    const named = config({ LINEAR_APPROVERS: HUMAN.id });
    expect(await mayApprove(api, named, member)).toBe(false);
    expect(await mayApprove(api, named, eventOf(sessionChoiceWebhook(ISSUE, SESSION, { id: crypto.randomUUID(), createdAt: new Date().toISOString() }, "Approve")))).toBe(true);
    const admins = config({ LINEAR_APPROVERS: `admins, ${uuid("b9")}` });
    expect(await mayApprove(api, admins, member)).toBe(false);
    expect(await mayApprove(api, admins, admin)).toBe(true);
  });

  it("an approver that is neither a user id nor admins is a config problem naming the variable", () => {
    const parsed = LinearConfig.safeParse({ BOT_NAME: "switchboard", LINEAR_WEBHOOK_SECRET: "s", LINEAR_API_KEY: "k", LINEAR_APPROVERS: "ada@example.com" });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path[0])).toEqual(["LINEAR_APPROVERS"]);
  });
});
