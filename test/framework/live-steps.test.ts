import { describe, expect, it } from "vitest";
import { TEST_SLACK } from "../env.ts";
import { settled } from "../support/agents.ts";
import { botMessages, eventCallback, mentionEvent, newTs, postEvent, slackCalls, uniqueChannel } from "../support/slack.ts";

type Streamed = { text: string; streaming?: boolean; tasks?: { title: string; status: string }[] };

describe("live replies show the tool steps under the model's first words", () => {
  it("Slack: one streamed message, its task for the tool ending complete, closed with the answer", async () => {
    const channel = uniqueChannel("CLOOKUP");
    const ts = newTs();
    expect((await postEvent(eventCallback(mentionEvent(channel, "how long is this question?", ts)))).status).toBe(200);
    const state = await settled(`slack:${TEST_SLACK.teamId}:${channel}:${ts}`);
    expect(state.last?.reply).toMatch(/^It has \d+ characters\.$/);
    const messages = (await botMessages(channel)) as unknown as Streamed[];
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ text: state.last!.reply, streaming: false, tasks: [{ title: "Look up", status: "complete" }] });
    // The words came first, then the task's two states, each its own piece of the stream.
    const appended = (await slackCalls(channel, "chat.appendStream")).map((call) => JSON.stringify(call.body ?? ""));
    expect(appended.some((body) => body.includes("Let me look that up."))).toBe(true);
    expect(appended.filter((body) => body.includes("task_update"))).toHaveLength(2);
  });
});
