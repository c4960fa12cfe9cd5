import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { getAgentByName } from "agents";
import { runInDurableObject } from "cloudflare:test";
import type { ConversationState } from "../../src/runtime/conversation.ts";
import type { ConversationAgent } from "../../src/worker.ts";
import { waitFor } from "./emulator.ts";

/** How many conversation agents exist: a rejected request must not create one. */
export async function listConversations(): Promise<number> {
  return (await listDurableObjectIds(env.CONVERSATION)).length;
}

export function conversation(key: string) {
  return getAgentByName(env.CONVERSATION, key);
}

/**
 * Waits until the conversation has no pending or running turn and has settled at least one.
 * A fresh stub each time, so it also works across abortAllDurableObjects().
 */
export async function settled(key: string, timeoutMs = 15_000): Promise<ConversationState> {
  return waitFor(
    `${key} to settle`,
    async () => {
      const state = await runInDurableObject(await conversation(key), (instance: ConversationAgent) => instance.snapshot());
      return state.pending === 0 && state.current === null && state.last ? state : null;
    },
    timeoutMs,
  );
}

/** The conversation's live view: the running turn's journaled steps, the last turn, the counts. */
export async function snapshot(key: string): Promise<ConversationState> {
  return runInDurableObject(await conversation(key), (instance: ConversationAgent) => instance.snapshot());
}

/**
 * Whether a conversation agent exists under `key`. Asks without addressing the object, since
 * addressing it would create it: this is how a test shows a refused request stored nothing.
 */
export async function conversationExists(key: string): Promise<boolean> {
  const id = env.CONVERSATION.idFromName(key);
  return (await listDurableObjectIds(env.CONVERSATION)).some((existing) => existing.equals(id));
}
