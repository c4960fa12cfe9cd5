import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { ConversationAgent } from "../src/worker.ts";
import { TEST_SLACK } from "./env.ts";
import { conversation, settled } from "./support/agents.ts";
import { emulatorUrl, injectFault, waitFor } from "./support/emulator.ts";
import { channelMessages, discordCalls, postInteraction, slashCommand } from "./support/discord.ts";
import { botMessages, eventCallback, mentionEvent, newTs, postEvent, slackCalls, uniqueChannel } from "./support/slack.ts";

const keyOf = (channel: string, ts: string) => `slack:${TEST_SLACK.teamId}:${channel}:${ts}`;
const REPORT = "the checkout button does nothing on Safari 17 since today's deploy; console shows TypeError: undefined is not an object";

type Streamed = { ts: string; text: string; streaming?: boolean; appends?: number; tasks?: { title: string; status: string }[]; metadata?: unknown };

const faults: string[] = [];
afterEach(async () => {
  for (const id of faults.splice(0)) await fetch(`${emulatorUrl}/_emulator/faults/${id}`, { method: "DELETE" });
});

describe("Slack: the answer grows in place, in one streaming message", () => {
  it("one message that grows, closed with the whole answer and its metadata", async () => {
    const channel = uniqueChannel();
    const ts = newTs();
    expect((await postEvent(eventCallback(mentionEvent(channel, REPORT, ts)))).status).toBe(200);
    const state = await settled(keyOf(channel, ts));
    const messages = (await botMessages(channel)) as unknown as Streamed[];
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message!.text).toBe(state.last!.reply);
    expect(message!.streaming).toBe(false);
    expect(message!.appends).toBeGreaterThanOrEqual(1);
    // Triage's tool step showed under its first words, as a task that ended complete (this
    // channel files into no tracker: the search finds nothing, which is no error).
    expect(message!.tasks).toEqual([expect.objectContaining({ title: "Search issues", status: "complete" })]);
    expect(message!.metadata).toEqual({ event_type: "switchboard_reply", event_payload: { key: expect.any(String) } });
    const calls = (await slackCalls(channel)).map((call) => call.path);
    expect(calls.filter((path) => path === "/chat.startStream")).toHaveLength(1);
    expect(calls.filter((path) => path === "/chat.stopStream")).toHaveLength(1);
    expect(calls).not.toContain("/chat.postMessage");
  });

  it("429s on the way are waited out: no piece of the answer is lost", async () => {
    const channel = uniqueChannel();
    const ts = newTs();
    faults.push(await injectFault({ platform: "slack", method: "POST", pathPattern: "^/chat\\.appendStream$", kind: "status", status: 429, retryAfter: 1, times: 3 }));
    expect((await postEvent(eventCallback(mentionEvent(channel, REPORT, ts)))).status).toBe(200);
    const state = await settled(keyOf(channel, ts));
    const [message] = (await botMessages(channel)) as unknown as Streamed[];
    expect((await slackCalls(channel, "chat.appendStream")).filter((call) => call.status === 429).length).toBeGreaterThan(0);
    expect(message!.text).toBe(state.last!.reply);
  });

  it("a crash mid-stream: recovery finishes that same message with the whole answer, and posts no second one", async () => {
    const channel = uniqueChannel();
    const ts = newTs();
    const key = keyOf(channel, ts);
    // The process dies while a piece of the answer is on its way.
    faults.push(await injectFault({ platform: "slack", method: "POST", pathPattern: "^/chat\\.appendStream$", kind: "timeout", delayMs: 1500, then: "proceed" }));
    expect((await postEvent(eventCallback(mentionEvent(channel, REPORT, ts)))).status).toBe(200);
    await waitFor("the stream to be open", async () => (await slackCalls(channel, "chat.startStream")).length === 1);
    await waitFor("a piece in flight", async () =>
      runInDurableObject(await conversation(key), (instance: ConversationAgent) => (instance.snapshot().current?.steps.length ?? 0) >= 1),
    );
    await abortAllDurableObjects();
    const state = await settled(key, 20_000);
    expect(state.last).toMatchObject({ status: "done" });
    const messages = (await botMessages(channel)) as unknown as Streamed[];
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toBe(state.last!.reply);
    expect(messages[0]!.streaming).toBe(false);
    expect((await slackCalls(channel, "chat.startStream")).filter((call) => call.status === 200)).toHaveLength(1);
  });
});

describe("Discord: the deferred response grows by edits, at most about once a second", () => {
  const editsOf = async (token: string) =>
    (await discordCalls(token)).filter((call) => call.method === "PATCH" && call.path.endsWith("/messages/@original") && call.status === 200);

  it("one message that grows: early edits hold part of the answer, the last one all of it", async () => {
    const command = await slashCommand(REPORT);
    expect((await postInteraction(command.payload)).status).toBe(200);
    const state = await settled(command.key);
    const edits = await editsOf(command.token);
    expect(edits.length).toBeGreaterThanOrEqual(2);
    const contents = edits.map((call) => (call.body as { content: string }).content);
    expect(contents.at(-1)).toBe(state.last!.reply);
    expect(contents[0]!.length).toBeLessThan(contents.at(-1)!.length);
    expect(await channelMessages(command.channelId)).toHaveLength(1);
  });

  it("a crash mid-stream: recovery finishes the same deferred response with the whole answer", async () => {
    const command = await slashCommand(REPORT);
    faults.push(await injectFault({ platform: "discord", method: "PATCH", pathPattern: `${command.token}/messages/@original$`, kind: "timeout", delayMs: 1500, then: "proceed" }));
    expect((await postInteraction(command.payload)).status).toBe(200);
    // The live reply is open (its step journaled) and its first edit is held: the turn is mid-stream.
    await waitFor("the stream to be open", async () =>
      runInDurableObject(await conversation(command.key), (instance: ConversationAgent) => (instance.snapshot().current?.steps.length ?? 0) >= 1),
    );
    await abortAllDurableObjects();
    const state = await settled(command.key, 20_000);
    expect(state.last).toMatchObject({ status: "done" });
    const messages = await channelMessages(command.channelId);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.content).toBe(state.last!.reply);
  });
});
