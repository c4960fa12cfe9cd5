import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { channels } from "../channels/index.ts";
import { signedBody } from "../dev/github-events.ts";
import { signSlack } from "../dev/slack-events.ts";
import { defineAgent } from "../src/index.ts";
import { createSwitchboard } from "../src/switchboard.ts";
import { participationPlace, type ParticipationIndex } from "../src/runtime/participation.ts";
import worker from "../src/worker.ts";
import { embeddedModel } from "../agents/triage/embedded-model.ts";
import { TEST_GITHUB_WEBHOOK_SECRET, TEST_SLACK, TEST_SLACK_SIGNING_SECRET } from "./env.ts";
import { settled } from "./support/agents.ts";
import { countingEnv } from "./support/counting-env.ts";
import { githubExample, inRepository } from "./support/github.ts";
import { eventCallback, mentionEvent, newTs, uniqueChannel } from "./support/slack.ts";

type App = { request(path: string, init: RequestInit, env: Env): Response | Promise<Response> };

async function slackEvent(app: App, bindings: Env, event: Record<string, unknown>) {
  const body = JSON.stringify(eventCallback(event));
  const headers = { "content-type": "application/json", ...(await signSlack(body, TEST_SLACK_SIGNING_SECRET)) };
  const response = await app.request("/webhooks/slack/events", { method: "POST", headers, body }, bindings);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function githubComment(app: App, bindings: Env, issue: Record<string, unknown>, text: string) {
  const payload = inRepository(await githubExample("issue_comment", "created"), "quiet-org", `repo-${crypto.randomUUID().slice(0, 8)}`);
  Object.assign(payload.issue as object, issue);
  Object.assign(payload.comment as object, { body: text, id: Math.floor(Math.random() * 1e9) + 1 });
  const { body, headers } = await signedBody("issue_comment", JSON.stringify(payload), TEST_GITHUB_WEBHOOK_SECRET);
  const response = await app.request("/webhooks/github", { method: "POST", headers, body }, bindings);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Makes a channel's participation index one that has kept count for a minute, as a running Worker's has. */
async function indexKeptSince(channel: string, agoMs = 60_000): Promise<void> {
  const place = participationPlace(`slack:${TEST_SLACK.teamId}:${channel}:1`);
  await runInDurableObject(env.PARTICIPATION.getByName(place), async (_index: ParticipationIndex, state) => {
    state.storage.kv.put("since", Date.now() - agoMs);
  });
}

describe("the ingress decides what it can: an event nobody will answer wakes no Durable Object", () => {
  it("a Slack channel message that mentions nobody: 202, no namespace touched", async () => {
    const { env: bindings, touched } = countingEnv(env);
    const answer = await slackEvent(worker, bindings, { type: "message", user: "U0HUMAN001", text: "lunch at noon?", ts: newTs(), channel: uniqueChannel(), channel_type: "channel" });
    expect(answer).toEqual({ status: 202, body: { status: "ignored", reason: "a channel message that does not mention the bot" } });
    expect(touched.all()).toEqual([]);
  });

  it("a GitHub comment without a mention on an issue with no earlier comment (so none of the bot's): 202, no namespace touched", async () => {
    const { env: bindings, touched } = countingEnv(env);
    const answer = await githubComment(worker, bindings, { comments: 0, user: { login: "octocat", id: 1, type: "User" } }, "Same here since the upgrade.");
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: "ignored", reason: expect.stringMatching(/not addressed to the bot.*has not taken part/) });
    expect(touched.all()).toEqual([]);
  });

  it("an event no routing rule wants: 202 with the reason, no namespace touched", async () => {
    const slackOnly = defineAgent({ name: "slack-only", instructions: "Answer on Slack.", model: embeddedModel, triggers: ["mention", "comment"] });
    const switchboard = createSwitchboard({ channels, agents: [slackOnly], routes: [{ agent: slackOnly, channel: "slack" }] });
    const { env: bindings, touched } = countingEnv(env);
    const answer = await githubComment(switchboard.app, bindings, { comments: 3 }, "@switchboard what do you think?");
    expect(answer).toEqual({ status: 202, body: { status: "ignored", reason: 'no agent is routed github "comment" events' } });
    expect(touched.all()).toEqual([]);
  });

  it("a reply in a Slack thread the bot never joined: 202 after one question to the channel's participation index, no conversation touched", async () => {
    const channel = uniqueChannel();
    await indexKeptSince(channel);
    const { env: bindings, touched } = countingEnv(env);
    const thread = newTs();
    const answer = await slackEvent(worker, bindings, { type: "message", user: "U0HUMAN002", text: "+1, same here", ts: newTs(), thread_ts: thread, parent_user_id: "U0HUMAN001", channel, channel_type: "channel" });
    expect(answer).toEqual({ status: 202, body: { status: "ignored", reason: "not addressed to the bot, and the bot has not taken part in this conversation" } });
    expect(touched.calls).toEqual({ PARTICIPATION: ["getByName", "hears"] });
  });

  it("a reply without a mention in a thread the bot answered reaches the thread's conversation", async () => {
    const channel = uniqueChannel();
    await indexKeptSince(channel);
    const thread = newTs();
    const mention = await slackEvent(worker, env, mentionEvent(channel, "the export button does nothing since Monday", thread));
    expect(mention.status).toBe(200);
    await settled(`slack:${TEST_SLACK.teamId}:${channel}:${thread}`);
    const { env: bindings, touched } = countingEnv(env);
    const reply = await slackEvent(worker, bindings, { type: "message", user: "U0HUMAN001", text: "it also fails on Firefox", ts: newTs(), thread_ts: thread, channel, channel_type: "channel" });
    expect(reply).toMatchObject({ status: 200, body: { status: "accepted" } });
    expect(touched.calls.PARTICIPATION).toEqual(["getByName", "hears"]);
    expect(touched.calls.CONVERSATION).toEqual(["getByName", "accept"]);
  });

  it("a thread that began before its channel's index did (an earlier version may have joined it) is left to its conversation", async () => {
    const channel = uniqueChannel();
    await indexKeptSince(channel);
    const { env: bindings, touched } = countingEnv(env);
    const olderThread = `${Math.floor(Date.now() / 1000) - 3600}.000100`;
    const answer = await slackEvent(worker, bindings, { type: "message", user: "U0HUMAN002", text: "bumping this", ts: newTs(), thread_ts: olderThread, channel, channel_type: "channel" });
    expect(answer).toEqual({ status: 202, body: { status: "ignored", reason: "not addressed to the bot, and the bot has not taken part in this conversation" } });
    expect(touched.calls.CONVERSATION).toEqual(["getByName", "accept"]);
  });
});
