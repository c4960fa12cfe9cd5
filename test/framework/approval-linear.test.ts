import { beforeEach, describe, expect, it } from "vitest";
import { HUMAN, linearEvents, type SeededIssue, type SeededTeam } from "../../dev/linear-events.ts";
import { TEST_LINEAR } from "../env.ts";
import { settled, snapshot } from "../support/agents.ts";
import { emulatorUrl, waitFor } from "../support/emulator.ts";
import { linearState, postLinear, seedIssue, seedPrompt, seedSession, seedTeam } from "../support/linear.ts";
import { parkedOn, expireUnanswered, deploysOf } from "./approvals.ts";

const { commentWebhook, sessionCreatedWebhook, sessionChoiceWebhook } = linearEvents(TEST_LINEAR);
/** A guest of the workspace: sees the team it was invited to, may not approve by default. */
const GUEST = { id: "0c5b7a2e-0000-4000-8000-00000000a9e5", name: "Gus Guest" };

type Activity = { id: string; content: { type: string; body?: string }; signal: string | null; signalMetadata: { options?: { label: string; value: string }[] } | null; userId: string };
type Comment = { id: string; body: string; userId: string; parentId: string | null };
type IssueState = { id: string; comments: Comment[]; sessions: { id: string; status: string; activities: Activity[] }[] };

async function control(path: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(`${emulatorUrl}/_emulator/linear${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ id: string }>;
}

async function issueState(team: SeededTeam, issue: SeededIssue): Promise<IssueState> {
  const found = (await linearState()).teams.find((t) => t.id === team.id)!.issues.find((i) => i.id === issue.id);
  return found as unknown as IssueState;
}

/** A new issue whose comment asks the deployer to deploy a new service, as a person writes it there. */
async function deployAsked() {
  const service = `svc-${crypto.randomUUID().slice(0, 6)}`;
  const team = await seedTeam();
  const issue = await seedIssue(team, "Ship it", "Ready to go.");
  const body = `@switchboard deploy ${service}`;
  const mention = await control("/comments", { issueId: issue.id, body, userId: HUMAN.id });
  return { service, team, issue, key: `linear:${issue.id}`, body, mention };
}

describe("approval gates on Linear, in an agent session: a select elicitation, answered by picking an option", () => {
  let team: SeededTeam;
  let issue: SeededIssue;
  let session: { id: string };
  let key: string;
  let service: string;

  const activities = async () => (await issueState(team, issue)).sessions.find((s) => s.id === session.id)!.activities;
  const pick = async (value: string, user: { id: string; name: string } = HUMAN, delivery = crypto.randomUUID()) => {
    const prompt = await seedPrompt(session.id, value);
    const payload = sessionChoiceWebhook(issue, session.id, prompt, value, user);
    return { response: await postLinear(payload, { delivery }), payload, delivery };
  };

  beforeEach(async () => {
    const asked = await deployAsked();
    ({ service, team, issue, key } = asked);
    const { body, mention } = asked;
    session = await seedSession(issue, mention.id);
    expect((await postLinear(sessionCreatedWebhook(issue, session.id, { id: mention.id, body }))).status).toBe(200);
    await control("/users", { ...GUEST, guest: true });
  });

  it("asks with an elicitation whose select options are Approve and Deny, and the session waits for input", async () => {
    await parkedOn(key);
    const elicitation = (await activities()).find((a) => a.content.type === "elicitation")!;
    expect(elicitation.content.body).toMatch(new RegExp(`^\\*\\*deployer\\*\\* asks for approval to deploy \\*${service}\\* to production\\.`));
    expect(elicitation.signal).toBe("select");
    expect(elicitation.signalMetadata).toEqual({ options: [{ label: "Approve", value: "Approve" }, { label: "Deny", value: "Deny" }] });
    // Waiting for a person is not a failure: no error activity, and the session says it needs input.
    expect((await activities()).map((a) => a.content.type)).not.toContain("error");
    expect((await issueState(team, issue)).sessions[0]!.status).toBe("awaitingInput");
  });

  it("approve → the tool runs once, the answer says so, and the session shows who approved", async () => {
    await parkedOn(key);
    expect((await pick("Approve")).response.status).toBe(200);
    const done = await settled(key);
    expect(done.last).toMatchObject({ status: "done", reply: `Deployed ${service}.` });
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    const all = await activities();
    expect(all.filter((a) => a.content.type === "thought" && a.content.body?.includes(`✅ Approved by ${HUMAN.name}`))).toHaveLength(1);
    expect(all.filter((a) => a.content.type === "response").map((a) => a.content.body)).toEqual([`Deployed ${service}.`]);
  });

  it("deny → the tool does not run, and the model's answer says who denied it", async () => {
    await parkedOn(key);
    await pick("Deny");
    const done = await settled(key);
    expect(done.last?.reply).toBe(`Not deployed: deploy did not run: denied by ${HUMAN.name}.`);
    expect(deploysOf(service)).toEqual([]);
    expect((await activities()).some((a) => a.content.body?.includes(`❌ Denied by ${HUMAN.name}`))).toBe(true);
  });

  it("a guest who picks Approve is told so, the options are offered again, and nothing changes", async () => {
    await parkedOn(key);
    await pick("Approve", GUEST);
    const refusal = await waitFor("the refusal", async () => (await activities()).find((a) => a.content.body?.startsWith(`Not allowed, ${GUEST.name}`)));
    expect(refusal).toMatchObject({ content: { type: "elicitation" }, signal: "select" });
    expect(refusal.signalMetadata?.options?.map((o) => o.value)).toEqual(["Approve", "Deny"]);
    expect((await snapshot(key)).parked).toBe(1);
    expect(deploysOf(service)).toEqual([]);
  });

  it("a redelivered choice and a second choice change nothing", async () => {
    await parkedOn(key);
    const first = await pick("Approve");
    expect(await (await postLinear(first.payload, { delivery: first.delivery })).json()).toMatchObject({ status: expect.stringMatching(/duplicate|ignored/) });
    await settled(key);
    const late = await pick("Deny");
    expect(await late.response.json()).toMatchObject({ status: "ignored" });
    await settled(key);
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    const all = await activities();
    expect(all.filter((a) => a.content.type === "response")).toHaveLength(1);
    expect(all.filter((a) => a.content.body?.includes("Approved by"))).toHaveLength(1);
  });

  it("nobody answers: the request expires as denied and the session says so", async () => {
    await expireUnanswered(key);
    const done = await settled(key);
    expect(done.last?.reply).toBe("Not deployed: deploy did not run: nobody approved it before the request expired.");
    expect(deploysOf(service)).toEqual([]);
    expect((await activities()).some((a) => a.content.type === "thought" && a.content.body?.includes("⌛ Expired"))).toBe(true);
  });
});

describe("approval gates on Linear without a session: a comment that asks, `/approve` or `/deny` in reply", () => {
  let team: SeededTeam;
  let issue: SeededIssue;
  let thread: string;
  let key: string;
  let service: string;

  const comments = async () => (await issueState(team, issue)).comments;
  const isRequest = (comment: Comment) => comment.userId === TEST_LINEAR.botUserId && /asks? for approval|asked for approval/.test(comment.body);
  /** A reply in the thread, as it exists on Linear and as its webhook says. */
  const reply = async (body: string, user: { id: string; name: string } = HUMAN, delivery = crypto.randomUUID()) => {
    const seeded = await control("/comments", { issueId: issue.id, body, userId: user.id, parentId: thread });
    const payload = commentWebhook(issue, body, user, thread);
    Object.assign(payload.data, { id: seeded.id });
    return { response: await postLinear(payload, { delivery }), payload, delivery };
  };

  beforeEach(async () => {
    const asked = await deployAsked();
    ({ service, team, issue, key } = asked);
    const { body } = asked;
    thread = asked.mention.id;
    const payload = commentWebhook(issue, body);
    Object.assign(payload.data, { id: thread });
    expect((await postLinear(payload)).status).toBe(200);
    await control("/users", { ...GUEST, guest: true });
  });

  it("asks in a reply in the thread that says how to answer, with its hidden marker", async () => {
    await parkedOn(key);
    const request = (await comments()).find(isRequest)!;
    expect(request.parentId).toBe(thread);
    expect(request.body).toContain("reply `/approve` to let it, or `/deny`");
    expect(request.body).toMatch(/<!-- switchboard:[^\s]+ -->$/);
  });

  it("approve → the tool runs once, the answer says so, and the request comment shows who approved", async () => {
    await parkedOn(key);
    await reply("/approve");
    const done = await settled(key);
    expect(done.last).toMatchObject({ status: "done", reply: `Deployed ${service}.` });
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    const request = await waitFor("the outcome on the request", async () => (await comments()).find((c) => isRequest(c) && c.body.includes(`✅ Approved by ${HUMAN.name}`)));
    expect(request.body).not.toContain("/approve");
    expect(request.body).toMatch(/<!-- switchboard:[^\s]+ -->$/);
  });

  it("deny → the tool does not run, and the model's answer says who denied it", async () => {
    await parkedOn(key);
    await reply("@switchboard /deny");
    const done = await settled(key);
    expect(done.last?.reply).toBe(`Not deployed: deploy did not run: denied by ${HUMAN.name}.`);
    expect(deploysOf(service)).toEqual([]);
  });

  it("a guest's `/approve` gets a reply that names them, and nothing changes", async () => {
    await parkedOn(key);
    await reply("/approve", GUEST);
    const refusal = await waitFor("the refusal", async () => (await comments()).find((c) => c.body.startsWith(`Not allowed, ${GUEST.name}:`)));
    expect(refusal.parentId).toBe(thread);
    expect((await snapshot(key)).parked).toBe(1);
    expect(deploysOf(service)).toEqual([]);
    expect((await comments()).find(isRequest)!.body).toContain("reply `/approve`");
  });

  it("a redelivered `/approve` and a second answer change nothing", async () => {
    await parkedOn(key);
    const first = await reply("/approve");
    expect(await (await postLinear(first.payload, { delivery: first.delivery })).json()).toMatchObject({ status: expect.stringMatching(/duplicate|ignored/) });
    await settled(key);
    expect(await (await reply("/deny")).response.json()).toMatchObject({ status: "ignored" });
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    expect((await comments()).filter((c) => c.body.startsWith("Deployed"))).toHaveLength(1);
  });

  it("nobody answers: the request expires as denied and the comment says so", async () => {
    await expireUnanswered(key);
    await settled(key);
    expect(deploysOf(service)).toEqual([]);
    await waitFor("the outcome on the request", async () => (await comments()).find((c) => isRequest(c) && c.body.includes("⌛ Expired")));
  });
});
