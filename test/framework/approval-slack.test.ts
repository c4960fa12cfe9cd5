import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_SLACK } from "../env.ts";
import { conversation, settled, snapshot } from "../support/agents.ts";
import { emulatorUrl, injectFault, waitFor } from "../support/emulator.ts";
import { eventCallback, mentionEvent, newTs, postEvent, postInteraction, slackState, uniqueChannel } from "../support/slack.ts";
import { hold } from "./deployer-agent.ts";
import type { ConversationAgent } from "./worker.ts";
import { parkedOn, expireUnanswered, deploysOf } from "./approvals.ts";
import { approvalPress, approvalRequest } from "../support/tickets.ts";

const keyOf = (channel: string, ts: string) => `slack:${TEST_SLACK.teamId}:${channel}:${ts}`;
const ADMIN = { id: "U0ADMIN001", name: "ada" };
const MEMBER = { id: "U0HUMAN001", name: "hugo" };

type Message = { ts: string; text: string; thread_ts?: string; blocks?: { type: string; elements?: { action_id?: string; value?: string; text?: { text: string } }[] }[]; user: string };

async function thread(channel: string): Promise<Message[]> {
  return ((await slackState()).channels[channel] ?? []) as unknown as Message[];
}

async function press(channel: string, rootTs: string, who: { id: string; name: string }, approve: boolean) {
  const payload = await approvalPress(channel, rootTs, who, approve);
  return { response: await postInteraction(payload), payload };
}

const replies = async (channel: string) => (await thread(channel)).filter((m) => m.user === TEST_SLACK.botUserId && !m.blocks);

describe("approval gates on Slack: Block Kit buttons, durable while waiting", () => {
  let channel: string;
  let root: string;
  let key: string;
  let service: string;
  beforeEach(async () => {
    channel = uniqueChannel("CDEPLOY");
    root = newTs();
    key = keyOf(channel, root);
    service = `svc-${crypto.randomUUID().slice(0, 6)}`;
    expect((await postEvent(eventCallback(mentionEvent(channel, `deploy ${service}`, root, ADMIN.id)))).status).toBe(200);
  });
  afterEach(() => {
    delete hold.until;
  });

  it("a parked turn holds no fiber and no alarm loop: one wake-up, at the request's deadline", async () => {
    const parked = await parkedOn(key);
    expect(parked.last).toMatchObject({ status: "parked", approval: { tool: "deploy", summary: `deploy *${service}* to production` } });
    // The live view shows what the turn spent and its timeline up to the request, as for a finished one.
    expect(parked.last!.usage!.inputTokens).toBeGreaterThan(0);
    // The turn, its model call and the request's post; parked is not failed.
    expect(parked.last!.spans!.map(({ name, status }) => [name, status])).toEqual([
      ["invoke_agent deployer", "ok"],
      ["chat deployer", "ok"],
      ["switchboard.request", "ok"],
    ]);
    expect(parked.last!.spans![0]!.attributes).toMatchObject({ "switchboard.suspended": true });
    const waiting = await runInDurableObject(await conversation(key), (instance: ConversationAgent, state) => ({
      fibers: state.storage.sql.exec("SELECT name FROM cf_agents_runs").toArray().length,
      schedules: instance.getSchedules().map((schedule) => ({ callback: schedule.callback, time: schedule.time })),
    }));
    expect(waiting.fibers).toBe(0);
    expect(waiting.schedules).toEqual([{ callback: "expireApproval", time: Math.floor(parked.last!.approval!.expiresAt / 1000) }]);
    expect(parked.last!.approval!.expiresAt - Date.now()).toBeGreaterThan(23 * 3_600_000);
    // The request, as Slack shows it: the agent, what it will do, Approve and Deny.
    const { message } = await approvalRequest(channel, root);
    expect(message.thread_ts).toBe(root);
    expect(message.blocks!.find((b) => b.type === "actions")!.elements!.map((e) => [e.action_id, typeof e.text === "string" ? e.text : e.text?.text])).toEqual([
      ["switchboard_approve", "Approve"],
      ["switchboard_deny", "Deny"],
    ]);
    expect(deploysOf(service)).toEqual([]);
  });

  it("approve → the tool runs once, the answer says so, and the request shows who approved, without buttons", async () => {
    await parkedOn(key);
    expect((await press(channel, root, ADMIN, true)).response.status).toBe(200);
    const done = await settled(key);
    expect(done.last).toMatchObject({ status: "done", reply: `Deployed ${service}.` });
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    const { message } = await waitFor("the outcome", async () => {
      const m = (await thread(channel)).find((x) => x.blocks?.some((b) => JSON.stringify(b).includes("Approved by ada")));
      return m ? { message: m } : null;
    });
    expect(message.blocks!.some((b) => b.type === "actions")).toBe(false);
    expect((await replies(channel)).map((m) => m.text)).toEqual([`Deployed ${service}.`]);
  });

  it("deny → the tool does not run, and the model's answer says who denied it", async () => {
    await parkedOn(key);
    await press(channel, root, ADMIN, false);
    const done = await settled(key);
    expect(done.last?.reply).toBe(`Not deployed: deploy did not run: denied by ada.`);
    expect(deploysOf(service)).toEqual([]);
    await waitFor("the outcome", async () => (await thread(channel)).some((m) => JSON.stringify(m.blocks ?? []).includes("Denied by ada")));
  });

  it("someone who may not approve gets a private 'not allowed', and nothing changes", async () => {
    await parkedOn(key);
    expect((await press(channel, root, MEMBER, true)).response.status).toBe(200);
    await waitFor("the ephemeral refusal", async () =>
      ((await slackState()) as unknown as { ephemerals: { channel: string; user: string; text: string }[] }).ephemerals.some(
        (e) => e.channel === channel && e.user === MEMBER.id && e.text.startsWith("Not allowed"),
      ),
    );
    const still = await snapshot(key);
    expect(still.parked).toBe(1);
    expect(deploysOf(service)).toEqual([]);
    expect((await approvalRequest(channel, root)).message.blocks!.some((b) => b.type === "actions")).toBe(true);
  });

  it("a double click and a redelivered interaction change nothing", async () => {
    await parkedOn(key);
    const first = await press(channel, root, ADMIN, true);
    const again = await postInteraction(first.payload);
    const second = await press(channel, root, ADMIN, false).catch(() => null);
    await settled(key);
    expect(await again.json()).toMatchObject({ status: expect.stringMatching(/duplicate|ignored/) });
    expect(second === null || ((await second.response.json()) as { status: string }).status === "ignored").toBe(true);
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    expect(await replies(channel)).toHaveLength(1);
  });

  it("nobody answers: the request expires as denied", async () => {
    await expireUnanswered(key);
    const done = await settled(key);
    expect(done.last?.reply).toBe("Not deployed: deploy did not run: nobody approved it before the request expired.");
    expect(deploysOf(service)).toEqual([]);
    await waitFor("the outcome", async () => (await thread(channel)).some((m) => JSON.stringify(m.blocks ?? []).includes("Expired")));
  });

  describe("crashes: one request, one run of the tool, one answer", () => {
    it("after the request was posted", async () => {
      await parkedOn(key);
      await abortAllDurableObjects();
      await press(channel, root, ADMIN, true);
      await settled(key);
      expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
      expect((await thread(channel)).filter((m) => m.blocks?.length)).toHaveLength(1);
      expect(await replies(channel)).toHaveLength(1);
    });

    it("after the approval was recorded, before the tool ran", async () => {
      await parkedOn(key);
      // The outcome edit is held: the decision is on record, the resumed turn has not started.
      const fault = await injectFault({ platform: "slack", method: "POST", pathPattern: "^/chat\\.update$", kind: "timeout", delayMs: 1000, then: "proceed" });
      await press(channel, root, ADMIN, true);
      await waitFor("the decision on record", async () =>
        runInDurableObject(await conversation(key), (_i: ConversationAgent, state) => state.storage.sql.exec("SELECT 1 FROM sb_approvals WHERE outcome IS NOT NULL").toArray().length === 1),
      );
      expect(deploysOf(service)).toEqual([]);
      await abortAllDurableObjects();
      await fetch(`${emulatorUrl}/_emulator/faults/${fault}`, { method: "DELETE" });
      const done = await settled(key, 20_000);
      expect(done.last).toMatchObject({ status: "done", reply: `Deployed ${service}.` });
      expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
      expect(await replies(channel)).toHaveLength(1);
    });

    it("after the tool ran, before the journal recorded it: the re-run is a replay of the same call", async () => {
      await parkedOn(key);
      let release!: () => void;
      hold.until = new Promise<void>((resolve) => (release = resolve));
      await press(channel, root, ADMIN, true);
      await waitFor("the deploy to take effect", async () => deploysOf(service).length === 1);
      await abortAllDurableObjects();
      delete hold.until;
      release();
      const done = await settled(key, 20_000);
      expect(done.last).toMatchObject({ status: "done", reply: `Deployed ${service}.` });
      // Called again with the same key and replay set, so it deployed once.
      expect(deploysOf(service)).toEqual([{ service, calls: 2, replays: 1 }]);
      expect((await thread(channel)).filter((m) => m.blocks?.length)).toHaveLength(1);
      expect(await replies(channel)).toHaveLength(1);
    });
  });
});
