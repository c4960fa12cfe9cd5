import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_SLACK } from "../env.ts";
import { conversation, settled } from "../support/agents.ts";
import { emulatorUrl, injectFault, waitFor } from "../support/emulator.ts";
import { botMessages, eventCallback, mentionEvent, newTs, postEvent, uniqueChannel } from "../support/slack.ts";
import { STANDUP_ROUTE, type ConversationAgent } from "./worker.ts";
import { savedNotes } from "./notes-agent.ts";

const keyOf = (channel: string, ts: string) => `slack:${TEST_SLACK.teamId}:${channel}:${ts}`;
const notesFor = (key: string) => savedNotes.filter((note) => note.conversationKey === key);
/** The bot's finished replies: streamed messages carry the reply metadata once closed. */
const replies = async (channel: string) => (await botMessages(channel)).filter((message) => message.metadata !== undefined);

const faults: string[] = [];
afterEach(async () => {
  for (const id of faults.splice(0)) await fetch(`${emulatorUrl}/_emulator/faults/${id}`, { method: "DELETE" });
});

describe("an agent a user declares runs in the same Worker, routed by a rule", () => {
  it("a mention it is routed runs its tool once and replies once", async () => {
    const channel = uniqueChannel("CNOTES");
    const ts = newTs();
    expect((await postEvent(eventCallback(mentionEvent(channel, "remember: ship on Friday", ts)))).status).toBe(200);
    const state = await settled(keyOf(channel, ts));
    expect(state).toMatchObject({ agent: "notes", last: { status: "done", reply: "Noted." } });
    expect(notesFor(keyOf(channel, ts))).toEqual([{ conversationKey: keyOf(channel, ts), text: "remember: ship on Friday" }]);
    expect((await replies(channel)).map((message) => message.text)).toEqual(["Noted."]);
  });

  it("a crash after its tool ran: recovery answers the tool from the journal and replies once", async () => {
    const channel = uniqueChannel("CNOTES");
    const ts = newTs();
    const key = keyOf(channel, ts);
    // The process dies with the reply in flight (it lands anyway) and the tool already run.
    faults.push(await injectFault({ platform: "slack", method: "POST", pathPattern: "^/chat\\.stopStream$", kind: "timeout", delayMs: 800, then: "proceed" }));
    expect((await postEvent(eventCallback(mentionEvent(channel, "remember: rotate the keys", ts)))).status).toBe(200);
    // Opening the live reply, the two model calls and the tool are done: the reply closes it.
    await waitFor("the reply to be in flight", async () =>
      runInDurableObject(await conversation(key), (instance: ConversationAgent) => instance.snapshot().current?.steps.length === 4),
    );
    expect(notesFor(key)).toHaveLength(1);
    await abortAllDurableObjects();
    await waitFor("the held reply to land", async () => (await replies(channel)).length > 0);

    const state = await settled(key, 20_000);
    // The live reply, model, tool and model answered from the journal; the reply closed the same message.
    expect(state.last).toMatchObject({ status: "done", replayedSteps: 4, modelCalls: 0 });
    expect(notesFor(key)).toHaveLength(1);
    expect(await replies(channel)).toHaveLength(1);
  });

  it("never receives events routed elsewhere: another channel's mention goes to triage", async () => {
    const channel = uniqueChannel("CELSE");
    const ts = newTs();
    const before = savedNotes.length;
    expect((await postEvent(eventCallback(mentionEvent(channel, "remember: this is not for notes", ts)))).status).toBe(200);
    const state = await settled(keyOf(channel, ts));
    expect(state.agent).toBe("triage");
    expect(savedNotes.length).toBe(before);
    const owner = await runInDurableObject(await conversation(keyOf(channel, ts)), (instance: ConversationAgent) => instance.snapshot().agent);
    expect(owner).toBe("triage");
  });
});

describe("the README's example agent", () => {
  it("is the file the README shows, routed by the README's rule", async () => {
    const readme = (await import("../../README.md")).default;
    const source = (await import("../../examples/standup/index.ts?raw")).default;
    expect(readme).toContain(source);
    expect(readme).toContain(`{ agent: standup, channel: "slack", when: ${STANDUP_ROUTE.when.toString()} }`);
  });

  it("records a stand-up update with its own tool and thanks the author, once", async () => {
    const channel = uniqueChannel("CTEAM");
    const ts = newTs();
    expect((await postEvent(eventCallback(mentionEvent(channel, "standup: shipped the login fix", ts, "U0ALICE01")))).status).toBe(200);
    const state = await settled(keyOf(channel, ts));
    expect(state).toMatchObject({ agent: "standup", last: { status: "done", reply: "Thanks, U0ALICE01: noted." } });
    expect(state.last?.journal?.map((step) => `${step.kind}:${step.name}`)).toEqual(["model:embedded-standup", "tool:record_update", "stream:open", "model:embedded-standup", "reply:reply"]);
    expect((await replies(channel)).map((message) => message.text)).toEqual(["Thanks, U0ALICE01: noted."]);
  });
});
