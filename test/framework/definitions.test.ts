import { describe, expect, it } from "vitest";
import { z } from "zod";
import { agents, routes } from "../../agents/index.ts";
import { githubTools } from "../../channels/github/tools.ts";
import { linearTools } from "../../channels/linear/tools.ts";
import { channels } from "../../channels/index.ts";
import { createRouter, defineAgent, defineTool, type NormalizedEvent } from "../../src/index.ts";
import { createSwitchboard } from "../../src/switchboard.ts";
import { embeddedModel } from "../../agents/triage/embedded-model.ts";
import { notes } from "./notes-agent.ts";

const base = { instructions: "Be useful.", model: embeddedModel, triggers: ["mention"] as const };

function event(overrides: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    channel: "github",
    dedupeId: crypto.randomUUID(),
    aliases: [],
    conversationKey: "github:acme/app#1",
    kind: "pr_opened",
    actor: { id: "1", name: "octocat", isBot: false, isSelf: false },
    text: "",
    addressedToBot: true,
    occurredAt: new Date().toISOString(),
    replyTo: { owner: "acme", repo: "app", number: 1, isPullRequest: true },
    ...overrides,
  };
}

describe("defineAgent checks a declaration where it is made", () => {
  it("a misspelled tool is a type error, and at startup an error naming it", () => {
    expect(() =>
      defineAgent({
        ...base,
        name: "typo",
        // @ts-expect-error: githubTools has no list_lables
        tools: [githubTools.list_labels, githubTools.list_lables],
      }),
    ).toThrow('agent "typo": tools[1] is not a tool (a misspelled import?)');
  });

  it("an agent with no trigger is rejected: nothing would ever start a turn", () => {
    expect(() => defineAgent({ ...base, name: "idle", triggers: [] })).toThrow('agent "idle": it has no triggers');
    // @ts-expect-error: not an event kind
    expect(() => defineAgent({ ...base, name: "odd", triggers: ["mentoin"] })).toThrow('unknown trigger "mentoin"');
  });

  it("two tools one channel would offer under one name are rejected; the same name on two channels is fine", () => {
    const mine = defineTool({ name: "list_labels", description: "mine", inputSchema: z.object({}), execute: async () => [] });
    expect(() => defineAgent({ ...base, name: "clash", tools: [githubTools.list_labels, mine] })).toThrow('two tools are named "list_labels"');
    expect(defineAgent({ ...base, name: "both", tools: [githubTools.list_labels, linearTools.list_labels] }).tools).toHaveLength(2);
  });

  it("limits default sensibly and must be positive integers", () => {
    expect(defineAgent({ ...base, name: "defaults" }).limits).toEqual({ maxSteps: 12, maxAttempts: 4, historyLimit: 20, retryWindowMs: 86_400_000, approvalTimeoutMs: 86_400_000 });
    expect(() => defineAgent({ ...base, name: "bad", limits: { maxSteps: 0 } })).toThrow("limits.maxSteps must be a positive integer");
  });

  it("tool names are checked too", () => {
    expect(() => defineTool({ name: "has space", description: "x", inputSchema: z.object({}), execute: async () => null })).toThrow(/tool name "has space"/);
  });
});

describe("routing by declaration", () => {
  const reviewer = defineAgent({ ...base, name: "pr-bot", triggers: ["pr_opened", "comment"] });
  const fallback = defineAgent({ ...base, name: "fallback", triggers: ["issue_opened", "pr_opened", "mention"] });

  it("the first matching rule wins: declared precedence decides between two agents claiming one event", () => {
    const prFirst = createRouter([reviewer, fallback], [{ agent: reviewer, channel: "github", kinds: ["pr_opened"] }, { agent: fallback }]);
    expect(prFirst.route(event())).toEqual({ agent: reviewer });
    const fallbackFirst = createRouter([reviewer, fallback], [{ agent: fallback }, { agent: reviewer, channel: "github", kinds: ["pr_opened"] }]);
    expect(fallbackFirst.route(event())).toEqual({ agent: fallback });
  });

  it("matches on channel, kind, conversation-key glob or RegExp, and predicate", () => {
    const router = createRouter(
      [reviewer, fallback],
      [
        { agent: reviewer, conversation: "github:acme/*", when: (e) => e.title?.startsWith("[review]") ?? false },
        { agent: reviewer, conversation: /^github:octo\/.+#\d+$/ },
        { agent: fallback, channel: ["github", "slack"] },
      ],
    );
    expect(router.route(event({ title: "[review] new API" }))).toEqual({ agent: reviewer });
    expect(router.route(event({ title: "plain" }))).toEqual({ agent: fallback });
    expect(router.route(event({ conversationKey: "github:octo/app#9" }))).toEqual({ agent: reviewer });
    expect(router.route(event({ channel: "linear" }))).toEqual({ ignore: 'no agent is routed linear "pr_opened" events' });
  });

  it("an event its agent has no trigger for is ignored with the reason; a cancel always reaches the conversation", () => {
    const router = createRouter([fallback], [{ agent: fallback }]);
    expect(router.route(event({ kind: "review_comment" }))).toEqual({ ignore: '"review_comment" events do not start a turn of agent "fallback"' });
    expect(router.route(event({ kind: "cancel" }))).toEqual({ agent: fallback });
  });

  it("routes and agents are checked at startup", () => {
    expect(() => createRouter([fallback], [{ agent: reviewer }])).toThrow('routes[0] sends events to "pr-bot", which is not in the agents list');
    expect(() => createRouter([reviewer, fallback], [{ agent: fallback }])).toThrow('no route sends any event to agent "pr-bot"');
    expect(() => createRouter([fallback, fallback], [{ agent: fallback }])).toThrow('two agents are named "fallback"');
  });

  it("an event no agent wants is answered without waking any Durable Object", async () => {
    let calls = 0;
    const counting = new Proxy({}, { get: () => () => ((calls += 1), { accept: async () => ({ status: "accepted", seq: 1 }) }) });
    const env = { CONVERSATION: counting } as unknown as Env;
    const switchboard = createSwitchboard({ channels, agents: [notes, ...agents], routes: [{ agent: notes, channel: "slack" }, ...routes.map((route) => ({ ...route, channel: "github" }))] });
    expect(await switchboard.dispatch(env, event({ channel: "linear", kind: "assigned" }))).toEqual({ status: "ignored", reason: 'no agent is routed linear "assigned" events' });
    expect(await switchboard.dispatch(env, event({ channel: "slack", kind: "message" }))).toEqual({ status: "ignored", reason: '"message" events do not start a turn of agent "notes"' });
    expect(calls).toBe(0);
    expect(await switchboard.dispatch(env, event())).toEqual({ status: "accepted", seq: 1 });
    expect(calls).toBe(1);
  });
});
