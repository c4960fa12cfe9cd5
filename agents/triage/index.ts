import { EventKind, type ChannelName } from "../../src/event.ts";
import { embeddedModel } from "./embedded-model.ts";
import instructions from "./instructions.md";

/** The triage agent, declared: what it is told, what it may use per channel, what wakes it. */
export const triage = {
  instructions,
  defaultModel: embeddedModel,
  /** Model calls plus tool calls in one turn before it is cut short. */
  maxSteps: 12,
  /** Attempts of one turn (crashes and transient failures) before it is recorded as failed. */
  maxAttempts: 4,
  /** Messages of earlier turns kept as context; older ones are dropped. */
  historyLimit: 20,
  tools: {
    github: ["list_labels", "add_labels", "list_pull_request_files"],
    linear: ["list_labels", "add_labels", "set_priority", "set_state", "set_estimate", "link_issues"],
  } satisfies Partial<Record<ChannelName, readonly string[]>> as Partial<Record<ChannelName, readonly string[]>>,
  /** Every kind of event starts a turn, except cancel, which stops one. */
  triggers: EventKind.options.filter((kind) => kind !== "cancel") as readonly EventKind[],
} as const;

export { classifyIssue } from "./classifier/index.ts";
