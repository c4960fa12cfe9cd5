import type { LanguageModelV4Message } from "@ai-sdk/provider";
import type { NormalizedEvent } from "../../src/event.ts";

/** The part of an event the embedded model reads; real models read the rendered text. */
export interface PromptEvent {
  readonly channel: NormalizedEvent["channel"];
  readonly kind: NormalizedEvent["kind"];
  readonly actor: string;
  readonly title?: string;
  readonly text: string;
  readonly labels?: readonly string[];
  readonly changes?: NormalizedEvent["changes"];
}

/** Where the structured event rides along; providers ignore options that are not theirs. */
export const PROMPT_EVENT_KEY = "switchboard";

export function renderEvent(event: NormalizedEvent): LanguageModelV4Message {
  const lines = [`[${event.channel} ${event.kind}] from ${event.actor.name}`];
  if (event.title) lines.push(`Title: ${event.title}`);
  if (event.labels?.length) lines.push(`Labels: ${event.labels.join(", ")}`);
  if (event.changes) {
    const { additions, deletions, changedFiles } = event.changes;
    lines.push(`Changes: +${additions} -${deletions} in ${changedFiles} file(s)`);
  }
  if (event.url) lines.push(`URL: ${event.url}`);
  lines.push("", event.text || "(no text)");
  const structured: PromptEvent = {
    channel: event.channel,
    kind: event.kind,
    actor: event.actor.name,
    text: event.text,
    ...(event.title !== undefined ? { title: event.title } : {}),
    ...(event.labels ? { labels: event.labels } : {}),
    ...(event.changes ? { changes: event.changes } : {}),
  };
  return {
    role: "user",
    content: [{ type: "text", text: lines.join("\n") }],
    providerOptions: { [PROMPT_EVENT_KEY]: { event: structured as never } },
  };
}
