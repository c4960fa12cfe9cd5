import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { SlackConfig } from "../channels/slack/config.ts";
import { slackOutbound } from "../channels/slack/outbound.ts";
import { TEST_SLACK } from "./env.ts";
import { listConversations, settled } from "./support/agents.ts";
import { emulatorUrl, injectFault, recordedCalls } from "./support/emulator.ts";
import {
  eventCallback,
  isPost,
  mentionEvent,
  newTs,
  okResponse,
  postCommand,
  postEvent,
  postInteraction,
  postSlack,
  slackCalls,
  slackState,
  uniqueChannel,
  botMessages,
} from "./support/slack.ts";

const keyOf = (channel: string, threadTs: string) => `slack:${TEST_SLACK.teamId}:${channel}:${threadTs}`;

async function posts(channel: string) {
  return (await slackCalls(channel, "chat.postMessage")).filter(isPost);
}

const faults: string[] = [];
afterEach(async () => {
  // A fault left behind would hit the next test's posts.
  for (const id of faults.splice(0)) await fetch(`${emulatorUrl}/_emulator/faults/${id}`, { method: "DELETE" });
});

// What every channel does (one reply in place, duplicates, crashes, 429, signatures, its own
// messages, conversation keys) is test/contract's; this file holds what only Slack does.
describe("Slack: mentions, threads and DMs", () => {
  it("the reply carries the switchboard_reply metadata, and 👀 marks the mention while the bot works", async () => {
    const channel = uniqueChannel();
    const ts = newTs();
    expect((await postEvent(eventCallback(mentionEvent(channel, "the login page shows a 500 error since the last deploy", ts)))).status).toBe(200);

    const state = await settled(keyOf(channel, ts));
    expect(state.last).toMatchObject({ status: "done" });
    const sent = await botMessages(channel);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.metadata).toEqual({ event_type: "switchboard_reply", event_payload: { key: expect.any(String) } });
    // The working indicator: added on the triggering message, removed when done.
    const reactions = (await slackCalls(channel)).filter((c) => c.path.startsWith("/reactions."));
    expect(reactions.map((c) => [c.path, (c.body as { timestamp: string }).timestamp, (c.body as { name: string }).name])).toEqual([
      ["/reactions.add", ts, "eyes"],
      ["/reactions.remove", ts, "eyes"],
    ]);
  });

  it("the mention's twin `message` event (message.channels, another event id) starts no second turn", async () => {
    const channel = uniqueChannel();
    const ts = newTs();
    const mention = eventCallback(mentionEvent(channel, "can you look at the failing deploy?", ts));
    expect((await postEvent(mention)).status).toBe(200);
    // message.channels delivers the same message again, with another event id.
    const twin = eventCallback({ ...mentionEvent(channel, "can you look at the failing deploy?", ts), type: "message", channel_type: "channel" });
    expect(twin.event_id).not.toBe(mention.event_id);
    const second = await postEvent(twin);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ status: "duplicate" });

    const state = await settled(keyOf(channel, ts));
    expect(state.turns).toEqual({ done: 1, failed: 0 });
    expect(await botMessages(channel)).toHaveLength(1);
  });

  it("follow-ups in the thread reach the bot once it has replied; earlier chatter does not", async () => {
    const channel = uniqueChannel();
    const root = newTs();
    const reply = (text: string) =>
      postEvent(eventCallback({ type: "message", user: "U0HUMAN002", text, ts: newTs(), thread_ts: root, channel, channel_type: "channel" }));
    const plain = await postEvent(eventCallback({ type: "message", user: "U0HUMAN002", text: "lunch?", ts: newTs(), channel, channel_type: "channel" }));
    expect(await plain.json()).toMatchObject({ status: "ignored", reason: "a channel message that does not mention the bot" });

    await postEvent(eventCallback(mentionEvent(channel, "the app crashes on startup with a TypeError", root)));
    await settled(keyOf(channel, root));
    const followUp = await reply("thanks, and what should I try first?");
    expect(await followUp.json()).toMatchObject({ status: "accepted", conversationKey: keyOf(channel, root) });
    await settled(keyOf(channel, root));
    expect(await botMessages(channel)).toHaveLength(2);
  });

  it("in a DM the working indicator is the assistant thread status, set then cleared", async () => {
    const channel = uniqueChannel("D");
    const ts = newTs();
    expect((await postEvent(eventCallback({ type: "message", user: "U0HUMAN003", text: "hello, can you help?", ts, channel, channel_type: "im" }))).status).toBe(200);
    await settled(keyOf(channel, ts));
    const statuses = await slackCalls(channel, "assistant.threads.setStatus");
    expect(statuses.map((c) => (c.body as { status: string }).status)).toEqual([expect.stringMatching(/.+/), ""]);
  });
});

describe("Slack: handshakes", () => {
  it("a signed url_verification is answered with its challenge", async () => {
    const response = await postEvent({ token: "x", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    const unsigned = await postEvent({ challenge: "abc", type: "url_verification" }, { headers: { "x-slack-signature": null } });
    expect(unsigned.status).toBe(401);
  });

  it("an unsigned ssl_check=1 is answered 200 and does nothing else", async () => {
    const before = await listConversations();
    const calls = (await recordedCalls("slack", "/")).length;
    const response = await postSlack("commands", "ssl_check=1&token=legacy-verification-token", {
      headers: { "x-slack-signature": null, "x-slack-request-timestamp": null },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(await listConversations()).toBe(before);
    expect((await recordedCalls("slack", "/")).length).toBe(calls);
  });
});

describe("Slack: slash commands and buttons", () => {
  it("a slash command → immediate ephemeral ack, then the answer through its response_url", async () => {
    const channel = uniqueChannel();
    const trigger = `${Date.now()}.47445629121.${crypto.randomUUID().replace(/-/g, "")}`;
    const hook = `/commands/${TEST_SLACK.teamId}/${Date.now()}/${crypto.randomUUID().slice(0, 12)}`;
    const response = await postCommand({
      token: "legacy-verification-token",
      team_id: TEST_SLACK.teamId,
      team_domain: "switchboard-tests",
      channel_id: channel,
      channel_name: "general",
      user_id: "U0HUMAN004",
      user_name: "roadrunner",
      command: "/triage",
      text: "users report the export button does nothing",
      api_app_id: TEST_SLACK.appId,
      is_enterprise_install: "false",
      response_url: `https://hooks.slack.com${hook}`,
      trigger_id: trigger,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response_type: "ephemeral", text: expect.stringMatching(/on it/i) });
    await settled(keyOf(channel, `command.${trigger}`));
    const answers = (await slackState()).responses.filter((r) => r.path === `/hooks${hook}`);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.body).toMatchObject({ response_type: "in_channel", text: expect.stringMatching(/.+/) });
    expect(await botMessages(channel)).toEqual([]);
  });

  it("block_actions on the bot's own message → routed to the thread that posted it, answered there", async () => {
    const channel = uniqueChannel();
    const root = newTs();
    await postEvent(eventCallback(mentionEvent(channel, "should we roll back the release?", root)));
    await settled(keyOf(channel, root));
    const botTs = (await botMessages(channel))[0]!.ts;
    const response = await postInteraction({
      type: "block_actions",
      user: { id: "U0HUMAN005", username: "jane", name: "jane", team_id: TEST_SLACK.teamId },
      api_app_id: TEST_SLACK.appId,
      token: "legacy-verification-token",
      container: { type: "message", message_ts: botTs, channel_id: channel, is_ephemeral: false, thread_ts: root },
      trigger_id: `${Date.now()}.1.abc`,
      team: { id: TEST_SLACK.teamId, domain: "switchboard-tests" },
      channel: { id: channel, name: "general" },
      message: { type: "message", user: TEST_SLACK.botUserId, bot_id: TEST_SLACK.botId, app_id: TEST_SLACK.appId, ts: botTs, thread_ts: root, text: "…" },
      response_url: `https://hooks.slack.com/actions/${TEST_SLACK.teamId}/1/x`,
      actions: [{ action_id: "approve", block_id: "b1", type: "button", value: "rollback", text: { type: "plain_text", text: "Approve" }, action_ts: newTs() }],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "accepted", conversationKey: keyOf(channel, root) });
    const state = await settled(keyOf(channel, root));
    expect(state.turns).toEqual({ done: 2, failed: 0 });
    expect((await botMessages(channel)).map((message) => message.thread_ts)).toEqual([root, root]);
  });
});

describe("Slack: failures and re-runs", () => {
  it("a re-run of a reply finds the message already posted by its metadata, instead of posting again", async () => {
    const channel = uniqueChannel();
    const threadTs = newTs();
    const outbound = slackOutbound({ teamId: TEST_SLACK.teamId, channelId: channel, threadTs, messageTs: threadTs }, SlackConfig.parse(env));
    const first = await outbound.reply("the nightly job failed with a timeout", { idempotencyKey: "turn-1:1", replay: false });
    const again = await outbound.reply("the nightly job failed with a timeout", { idempotencyKey: "turn-1:1", replay: true });
    expect(again.id).toBe(first.id);
    expect((await posts(channel)).filter(okResponse)).toHaveLength(1);
    const lookups = await slackCalls(channel, "conversations.replies");
    expect(lookups.map((call) => call.body)).toEqual([expect.objectContaining({ ts: threadTs, include_all_metadata: "true" })]);
  });

  it("channel_not_found → the turn fails at once (retrying cannot help), with Slack's error", async () => {
    const channel = uniqueChannel();
    const ts = newTs();
    faults.push(
      await injectFault({
        platform: "slack",
        method: "POST",
        pathPattern: "^/chat\\.startStream$",
        kind: "status",
        status: 200,
        body: { ok: false, error: "channel_not_found" },
        times: 100,
      }),
    );
    await postEvent(eventCallback(mentionEvent(channel, "is anyone looking at the outage?", ts)));
    const state = await settled(keyOf(channel, ts), 40_000);
    expect(state.turns).toEqual({ done: 0, failed: 1 });
    expect(state.last).toMatchObject({ status: "failed", error: "chat.startStream failed: channel_not_found" });
    expect((await slackCalls(channel, "chat.startStream")).length).toBe(1);
  }, 60_000);
});
