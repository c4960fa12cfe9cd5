import type { EffectContext } from "../../src/channel.ts";
import type { NormalizedEvent } from "../../src/event.ts";
import type { ToolContext } from "../../src/harness/tools.ts";

/** The context the runtime gives a tool, for calling tools and turns outside a conversation. */
export function testToolContext(
  effect: EffectContext,
  channel: { name: string; target: unknown; config: unknown } = { name: "test", target: null, config: null },
): ToolContext {
  return {
    ...effect,
    event: {} as NormalizedEvent,
    signal: new AbortController().signal,
    progress: async () => {},
    channel,
  };
}
