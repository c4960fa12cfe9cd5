import { describe, expect, inject, it } from "vitest";
import { SlackConfig } from "../channels/slack/config.ts";
import { interpretEvents } from "../channels/slack/normalize.ts";
import { TEST_SLACK_BOT_TOKEN, TEST_SLACK_SIGNING_SECRET } from "./env.ts";
import { settled } from "./support/agents.ts";
import { waitFor } from "./support/emulator.ts";
import { formBody, postEvent, postInteraction, postSlack, slackState } from "./support/slack.ts";
import type { SlackFixture } from "./support/slack-fixtures.ts";

// Payloads recorded from production Slack workspaces by the Vercel Chat SDK (MIT): every one
// is signed with the test secret and posted to the Worker, unmodified.
const fixtures = inject("slackFixtures");
const byId = new Map(fixtures.map((f) => [`${f.file}#${f.name}`, f]));
const fixture = (id: string): SlackFixture => {
  const found = byId.get(id);
  if (!found) throw new Error(`no Slack fixture ${id}`);
  return structuredClone(found);
};

/** Recordings that are the Chat SDK's own bookkeeping, not something Slack sends. */
const NOT_SLACK_PAYLOADS = ["modals/slack-private-metadata.json#modalContext", "modals/slack.json#modalContext", "modals/slack.json#ephemeralModalContext", "slash-commands/slack.json#slashCommandModalContext"];

function isSlackPayload(f: SlackFixture): boolean {
  const p = f.payload;
  return typeof p.type === "string" || typeof p.command === "string";
}

async function post(f: SlackFixture): Promise<Response> {
  const p = f.payload;
  if (p.type === "event_callback") return postEvent(p);
  if (typeof p.command === "string") return postSlack("commands", formBody(p));
  return postInteraction(p);
}

function eventKey(f: SlackFixture): string {
  const p = f.payload as { team_id: string; event: { channel: string; ts: string; thread_ts?: string } };
  return `slack:${p.team_id}:${p.event.channel}:${p.event.thread_ts ?? p.event.ts}`;
}

function actionKey(f: SlackFixture): string {
  const p = f.payload as { team: { id: string }; container: { channel_id: string }; message: { ts: string; thread_ts?: string } };
  return `slack:${p.team.id}:${p.container.channel_id}:${p.message.thread_ts ?? p.message.ts}`;
}

const MENTIONS = [
  "slack.json#mention",
  "actions-reactions/slack.json#mention",
  "channel/slack.json#mention",
  "channel-mention/slack.json#mention",
  "dm/slack.json#mention",
  "member-joined-channel/slack.json#mention",
  "modals/slack-private-metadata.json#mention",
  "modals/slack.json#mention",
  "native-table/slack.json#mention",
  "streaming/slack.json#aiMention",
  "streaming/slack.json#aiMentionWithFile",
];
const DIRECT_MESSAGES = ["dm/slack-direct.json#directDM", "dm/slack-direct.json#followUp", "dm/slack.json#dmMessage"];
const BUTTONS_ON_BOT_MESSAGES = [
  "actions-reactions/slack.json#action",
  "actions-reactions/slack.json#staticSelectAction",
  "actions-reactions/slack.json#radioButtonsAction",
  "channel/slack.json#channel_post_action",
  "modals/slack-private-metadata.json#action",
  "modals/slack.json#action",
  "native-table/slack.json#action",
  "streaming/slack.json#buttonAction",
];
/**
 * Thread replies without a mention, in threads the bot answered: a mention above started them,
 * or (threadFollowUp) the button press on the bot's prompt in that thread.
 */
const FOLLOW_UPS = ["slack.json#followUp", "streaming/slack.json#followUp", "dm/slack.json#dmRequest", "streaming/slack.json#threadFollowUp"];
const IGNORED: Record<string, RegExp> = {
  "actions-reactions/slack.json#reaction": /"reaction_added" events do not start a turn/,
  "member-joined-channel/slack.json#memberJoinedChannel": /"member_joined_channel" events do not start a turn/,
  "modals/slack-private-metadata.json#viewSubmission": /"view_submission" interactions are not handled/,
  "modals/slack.json#viewSubmission": /"view_submission" interactions are not handled/,
  "modals/slack.json#ephemeralViewSubmission": /"view_submission" interactions are not handled/,
  "slash-commands/slack.json#viewSubmission": /"view_submission" interactions are not handled/,
  "modals/slack.json#ephemeralAction": /an action outside a channel message/,
  // The bot's own post, echoed back as a plain `message` (no bot subtype).
  "streaming/slack.json#promptMessage": /sent by the bot itself/,
};
const COMMANDS = ["slash-commands/slack.json#slashCommand", "slash-commands/slack.json#slashCommandWithArgs"];

describe("Slack payloads recorded in production, signed and posted", () => {
  it("the recordings are all accounted for", () => {
    expect(fixtures.length).toBeGreaterThan(30);
    const payloads = fixtures.filter(isSlackPayload).map((f) => `${f.file}#${f.name}`).sort();
    const planned = [...MENTIONS, ...DIRECT_MESSAGES, ...BUTTONS_ON_BOT_MESSAGES, ...FOLLOW_UPS, ...Object.keys(IGNORED), ...COMMANDS].sort();
    expect(payloads).toEqual(planned);
    expect(fixtures.filter((f) => !isSlackPayload(f)).map((f) => `${f.file}#${f.name}`).sort()).toEqual([...NOT_SLACK_PAYLOADS].sort());
  });

  it("each payload is routed as expected, never a 5xx; follow-ups reach threads the bot answered", async () => {
    const started = new Set<string>();
    const outcome = async (id: string) => {
      const response = await post(fixture(id));
      expect(response.status, id).toBeLessThan(500);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    for (const id of [...MENTIONS, ...DIRECT_MESSAGES]) {
      const { status, body } = await outcome(id);
      expect({ id, status, body }).toEqual({ id, status: 200, body: { status: "accepted", conversationKey: eventKey(fixture(id)), dedupeId: expect.any(String) } });
      started.add(eventKey(fixture(id)));
    }
    for (const id of BUTTONS_ON_BOT_MESSAGES) {
      const { status, body } = await outcome(id);
      expect({ id, status, body }).toEqual({ id, status: 200, body: { status: "accepted", conversationKey: actionKey(fixture(id)), dedupeId: expect.stringContaining("action.") } });
      started.add(actionKey(fixture(id)));
    }
    for (const [id, reason] of Object.entries(IGNORED)) {
      const { status, body } = await outcome(id);
      expect({ id, status }).toEqual({ id, status: 202 });
      expect(body, id).toMatchObject({ status: "ignored", reason: expect.stringMatching(reason) });
    }

    const empty = await outcome("slash-commands/slack.json#slashCommand");
    expect(empty).toEqual({ status: 200, body: { response_type: "ephemeral", text: "Usage: /test-feedback <your question>" } });
    const command = await outcome("slash-commands/slack.json#slashCommandWithArgs");
    expect(command).toEqual({ status: 200, body: { response_type: "ephemeral", text: expect.stringMatching(/on it/i) } });

    // Thread replies count once the bot has answered in that thread.
    for (const key of started) await settled(key);
    for (const id of FOLLOW_UPS) {
      const { status, body } = await outcome(id);
      expect({ id, status, body }).toEqual({ id, status: 200, body: { status: "accepted", conversationKey: eventKey(fixture(id)), dedupeId: expect.any(String) } });
    }

    // Redelivery of any of them starts nothing new.
    for (const id of [MENTIONS[0]!, BUTTONS_ON_BOT_MESSAGES[0]!, FOLLOW_UPS[0]!]) {
      expect((await outcome(id)).body, id).toMatchObject({ status: "duplicate" });
    }
    for (const id of FOLLOW_UPS) await settled(eventKey(fixture(id)));
    for (const key of started) expect((await settled(key)).turns.failed, key).toBe(0);

    // The slash command was answered through its response_url (served by the emulator).
    const hook = "/hooks/commands/T00FAKE00BB/10521386623270/6U66ryd5RNMenHgPzeTf3u7K";
    await waitFor("the command's answer", async () => (await slackState()).responses.some((r) => r.path === hook));
  }, 60_000);

  it("recorded text is normalized: the bot mention stripped, channels and users resolved", () => {
    const config = SlackConfig.parse({ BOT_NAME: "bot", SLACK_SIGNING_SECRET: TEST_SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN: TEST_SLACK_BOT_TOKEN });
    const text = (id: string) => {
      const body = JSON.stringify(fixture(id).payload);
      const result = interpretEvents({ body: new TextEncoder().encode(body), text: body, headers: new Headers(), now: Date.now() }, config);
      if (result.type !== "event") throw new Error(`${id}: ${result.type}`);
      return { text: result.event.text, kind: result.event.kind, addressed: result.event.addressedToBot };
    };
    expect(text("channel-mention/slack.json#mention")).toEqual({ text: "Can you see the name of this channel: #C00FAKECHAN2?", kind: "mention", addressed: true });
    expect(text("streaming/slack.json#aiMention")).toEqual({ text: "AI What is love?", kind: "mention", addressed: true });
    expect(text("slack.json#followUp")).toEqual({ text: "Hi", kind: "message", addressed: false });
    expect(text("dm/slack-direct.json#directDM")).toEqual({ text: "hello hello", kind: "message", addressed: true });
  });
});
