// One turn of an agent, offline and in memory: what an agent's own test runs (the tests
// `switchboard add agent` writes use it). The Worker runs turns in the conversation runtime;
// this runs the same harness with the agent's own prompt, model, tools and step cap.
import type { JSONValue } from "@ai-sdk/provider";
import { toolsFor, type AgentDefinition } from "../../src/agent.ts";
import type { EventKind, NormalizedEvent } from "../../src/event.ts";
import { MemoryJournal } from "../../src/harness/journal.ts";
import { runTurn } from "../../src/harness/turn.ts";

export interface TurnEvent {
  readonly text: string;
  readonly kind?: EventKind;
  /** Default "slack". A channel's own tools (githubTools…) are offered only on their channel. */
  readonly channel?: string;
  /** The person's name and id, as the channel reports them. */
  readonly actor?: string;
  readonly title?: string;
  readonly labels?: readonly string[];
}

export interface AgentTurn {
  /** The answer the turn ended with. */
  readonly reply: string;
  /** Every reply the turn asked the channel to post, in order: one for a turn that answers. */
  readonly replies: readonly string[];
  /** The journal, in order, as `kind:name` ("model:embedded-x", "tool:record_request", "reply:reply"). */
  readonly steps: readonly string[];
  /** Each tool's result in this turn, by name: what `execute` returned, or `{ error }`. */
  readonly toolResults: Readonly<Record<string, JSONValue>>;
}

/**
 * Runs `agent` on one event, with its embedded model (no key, no network) and a journal in
 * memory; the reply is captured instead of posted. Channel tools need their platform: test
 * those through the Worker and the emulator (test/framework/ shows how).
 */
export async function runAgentTurn(agent: AgentDefinition, input: TurnEvent): Promise<AgentTurn> {
  const actor = input.actor ?? "U0TESTUSER";
  const event: NormalizedEvent = {
    channel: input.channel ?? "slack",
    dedupeId: `test-${crypto.randomUUID()}`,
    aliases: [],
    conversationKey: `test:${agent.name}:${crypto.randomUUID()}`,
    kind: input.kind ?? agent.triggers[0]!,
    actor: { id: actor, name: actor, isBot: false, isSelf: false },
    text: input.text,
    addressedToBot: true,
    occurredAt: new Date().toISOString(),
    replyTo: {},
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.labels ? { labels: [...input.labels] } : {}),
  };
  const journal = new MemoryJournal();
  const replies: string[] = [];
  const controller = new AbortController();
  const result = await runTurn({
    model: agent.model,
    instructions: agent.instructions,
    history: [],
    prompt: agent.prompt(event),
    tools: toolsFor(agent, event.channel),
    toolContext: (effect) => ({
      ...effect,
      event,
      signal: controller.signal,
      progress: async () => {},
      channel: { name: event.channel, target: event.replyTo, config: undefined },
    }),
    outbound: {
      async reply(markdown) {
        replies.push(markdown);
        return { id: `reply-${replies.length}` };
      },
    },
    journal,
    signal: controller.signal,
    turnKey: event.dedupeId,
    maxSteps: agent.limits.maxSteps,
  });
  const entries = [...journal.entries.values()].sort((a, b) => a.step - b.step);
  const toolResults: Record<string, JSONValue> = {};
  for (const entry of entries) {
    if (entry.kind !== "tool" || entry.output === undefined) continue;
    const output = entry.output as { type: string; value: JSONValue };
    toolResults[entry.name] = output.type === "json" ? output.value : { error: output.value };
  }
  return { reply: result.reply, replies, steps: entries.map((entry) => `${entry.kind}:${entry.name}`), toolResults };
}
