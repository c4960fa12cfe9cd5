import { describe, expect, it } from "vitest";
import { LinearConfig } from "../channels/linear/config.ts";
import { interpretLinear } from "../channels/linear/normalize.ts";
import type { InboundRequest, Interpretation } from "../src/channel.ts";
import { NormalizedEvent } from "../src/event.ts";
import { TEST_LINEAR } from "./env.ts";
import {
  BOT,
  HUMAN,
  commentWebhook,
  issueWebhook,
  notificationWebhook,
  postLinear,
  seedIssue,
  seedTeam,
  sessionCreatedWebhook,
  sessionPromptedWebhook,
  type SeededIssue,
} from "./support/linear.ts";

const config = LinearConfig.parse({
  BOT_NAME: "switchboard",
  LINEAR_WEBHOOK_SECRET: "s",
  LINEAR_API_KEY: "lin_api_unit",
  LINEAR_BOT_USER_ID: TEST_LINEAR.botUserId,
});

const ISSUE: SeededIssue = {
  id: "1a2b3c4d-0000-4000-8000-000000000042",
  identifier: "ENG-42",
  number: 42,
  title: "Crash on save",
  description: "TypeError: Cannot read properties of undefined",
  url: "https://linear.app/acme/issue/ENG-42",
  team: { id: "7e7e7e7e-0000-4000-8000-000000000001" },
  createdAt: "2026-11-22T03:00:00.000Z",
  updatedAt: "2026-11-22T03:00:00.000Z",
};

function interpret(payload: unknown, delivery: string | null = "delivery-1"): Interpretation {
  const text = JSON.stringify(payload);
  const request: InboundRequest = {
    body: new TextEncoder().encode(text),
    text,
    headers: new Headers(delivery ? { "linear-delivery": delivery } : {}),
    now: Date.now(),
  };
  return interpretLinear(request, config);
}

function event(payload: unknown, delivery?: string | null): NormalizedEvent {
  const result = interpret(payload, delivery);
  if (result.type !== "event") throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return NormalizedEvent.parse(result.event);
}

describe("Linear Issue webhooks", () => {
  it("an update that assigns the bot (updatedFrom.assigneeId) starts an issue_assigned turn keyed by the issue", () => {
    const normalized = event(issueWebhook(ISSUE, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: HUMAN.id } }));
    expect(normalized).toMatchObject({
      channel: "linear",
      dedupeId: "delivery-1",
      conversationKey: `linear:${ISSUE.id}`,
      kind: "issue_assigned",
      addressedToBot: true,
      title: "Crash on save",
      text: ISSUE.description,
      actor: { id: HUMAN.id, isSelf: false, isBot: false },
      replyTo: { issueId: ISSUE.id },
    });
    expect(normalized.replyTo).not.toHaveProperty("agentSessionId");
  });

  it("assignment from nobody (updatedFrom.assigneeId null) counts; a create already assigned to the bot counts", () => {
    expect(event(issueWebhook(ISSUE, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: null } })).kind).toBe("issue_assigned");
    expect(event(issueWebhook(ISSUE, { action: "create", assigneeId: BOT.id })).kind).toBe("issue_assigned");
  });

  it("non-assignment updates, updates while already assigned, and other assignees are ignored with the reason", () => {
    expect(interpret(issueWebhook(ISSUE, { action: "update", assigneeId: BOT.id, updatedFrom: { title: "old title" } }))).toEqual({
      type: "ignore",
      reason: "an update that does not assign the issue to the bot",
    });
    expect(interpret(issueWebhook(ISSUE, { action: "update", assigneeId: HUMAN.id, updatedFrom: { assigneeId: BOT.id } }))).toMatchObject({ type: "ignore" });
    expect(interpret(issueWebhook(ISSUE, { action: "create", assigneeId: null }))).toEqual({ type: "ignore", reason: "created without assigning the bot" });
  });

  it("without Linear-Delivery the dedupe id is entity id + action + updatedAt, stable across redelivery", () => {
    const payload = issueWebhook(ISSUE, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: null } });
    const first = event(payload, null);
    expect(first.dedupeId).toBe(`Issue:${ISSUE.id}:update:${payload.data.updatedAt}`);
    expect(event(payload, null).dedupeId).toBe(first.dedupeId);
  });
});

describe("Linear Comment webhooks", () => {
  it("a comment mentioning the bot is addressed to it, threads under itself, and loses the @-mention", () => {
    const payload = commentWebhook(ISSUE, "@switchboard is this a duplicate?");
    const normalized = event(payload);
    expect(normalized).toMatchObject({
      kind: "comment",
      addressedToBot: true,
      text: "is this a duplicate?",
      conversationKey: `linear:${ISSUE.id}`,
      replyTo: { issueId: ISSUE.id, parentCommentId: payload.data.id },
    });
  });

  it("a reply in a thread answers in that thread (the top-level parent)", () => {
    const parent = "5e5e5e5e-0000-4000-8000-000000000001";
    expect(event(commentWebhook(ISSUE, "@switchboard and this?", HUMAN, parent)).replyTo).toMatchObject({ parentCommentId: parent });
  });

  it("a comment without the mention reaches the agent unaddressed; the bot's own comment is marked self", () => {
    expect(event(commentWebhook(ISSUE, "thanks all")).addressedToBot).toBe(false);
    expect(event(commentWebhook(ISSUE, "Triage done", { id: BOT.id, name: "switchboard" })).actor.isSelf).toBe(true);
  });
});

describe("Linear AppUserNotification webhooks", () => {
  it("issueAssignedToYou → issue_assigned, sharing an alias with the Issue update of the same assignment", () => {
    const fromNotification = event(notificationWebhook(ISSUE, "issueAssignedToYou"), "d-1");
    const fromIssue = event(issueWebhook(ISSUE, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: null } }), "d-2");
    expect(fromNotification).toMatchObject({ kind: "issue_assigned", addressedToBot: true, text: ISSUE.description });
    expect(fromNotification.aliases.some((alias) => fromIssue.aliases.includes(alias))).toBe(true);
  });

  it("issueMention and issueCommentMention → mention; the comment mention answers in its thread", () => {
    expect(event(notificationWebhook(ISSUE, "issueMention")).kind).toBe("mention");
    const comment = { id: "3c3c3c3c-0000-4000-8000-000000000001", body: "@switchboard thoughts?" };
    expect(event(notificationWebhook(ISSUE, "issueCommentMention", comment))).toMatchObject({
      kind: "mention",
      text: "thoughts?",
      replyTo: { parentCommentId: comment.id },
    });
  });

  it("other notification types are ignored with the reason", () => {
    expect(interpret(notificationWebhook(ISSUE, "issueNewComment", { id: "c", body: "x" }))).toEqual({
      type: "ignore",
      reason: '"issueNewComment" notifications do not start a turn',
    });
  });
});

describe("Linear AgentSessionEvent webhooks", () => {
  const session = "a9a9a9a9-0000-4000-8000-000000000001";

  it("created by delegation → a triage turn whose replies go to the session", () => {
    expect(event(sessionCreatedWebhook(ISSUE, session))).toMatchObject({
      kind: "issue_assigned",
      addressedToBot: true,
      title: ISSUE.title,
      text: ISSUE.description,
      replyTo: { issueId: ISSUE.id, agentSessionId: session },
    });
  });

  it("created by an @-mention in a comment → mention with the comment's text", () => {
    expect(event(sessionCreatedWebhook(ISSUE, session, { id: "c1", body: "@switchboard label this" }))).toMatchObject({ kind: "mention", text: "label this" });
  });

  it("prompted → a message from the person; prompted with signal stop → cancel", () => {
    const activity = { id: "acacacac-0000-4000-8000-000000000001", createdAt: new Date().toISOString() };
    expect(event(sessionPromptedWebhook(ISSUE, session, activity, "why High?"))).toMatchObject({
      kind: "message",
      text: "why High?",
      actor: { id: HUMAN.id },
      replyTo: { agentSessionId: session },
    });
    expect(event(sessionPromptedWebhook(ISSUE, session, activity, "", "stop"))).toMatchObject({ kind: "cancel", conversationKey: `linear:${ISSUE.id}` });
  });

  it("a session of another app user is ignored", () => {
    expect(interpret(sessionCreatedWebhook(ISSUE, session, undefined, HUMAN.id))).toEqual({ type: "ignore", reason: "a session of another app user" });
  });
});

describe("through the Worker", () => {
  it("assignment is accepted with the conversation key; a non-assignment update is 202 with the reason; redelivery is a duplicate", async () => {
    const team = await seedTeam();
    const issue = await seedIssue(team, "Docs typo on the install page", "The README says `npm instal`.");
    const nonAssignment = await postLinear(issueWebhook(issue, { action: "update", assigneeId: null, updatedFrom: { title: "x" } }));
    expect(nonAssignment.status).toBe(202);
    expect(await nonAssignment.json()).toMatchObject({ status: "ignored", reason: "an update that does not assign the issue to the bot" });

    const payload = issueWebhook(issue, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: null } });
    const delivery = crypto.randomUUID();
    const accepted = await postLinear(payload, { delivery });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ status: "accepted", conversationKey: `linear:${issue.id}`, dedupeId: delivery });
    expect(await (await postLinear(payload, { delivery })).json()).toMatchObject({ status: "duplicate" });
    // The same assignment reported again as a notification is one turn, not two.
    expect(await (await postLinear(notificationWebhook(issue, "issueAssignedToYou"))).json()).toMatchObject({ status: "duplicate" });
  });

  it("the bot's own comment is ignored by policy", async () => {
    const team = await seedTeam();
    const issue = await seedIssue(team, "Anything", "");
    const own = await postLinear(commentWebhook(issue, "@switchboard echo", { id: BOT.id, name: "switchboard" }));
    expect(await own.json()).toEqual({ status: "ignored", reason: "sent by the bot itself" });
  });
});
