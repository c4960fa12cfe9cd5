import { runInDurableObject } from "cloudflare:test";
import { conversation, snapshot } from "../support/agents.ts";
import { waitFor } from "../support/emulator.ts";
import { deploys } from "./deployer-agent.ts";
import type { ConversationAgent } from "./worker.ts";

/** Waits until the conversation's turn has parked on an approval and nothing runs. */
export async function parkedOn(key: string) {
  return waitFor("the turn to park", async () => {
    const state = await snapshot(key);
    return state.parked === 1 && state.current === null ? state : null;
  });
}

/** Lets the parked request's deadline pass with nobody having answered it: what its alarm does. */
export async function expireUnanswered(key: string): Promise<void> {
  const parked = await parkedOn(key);
  const id = parked.last!.approval!.id;
  await runInDurableObject(await conversation(key), async (instance: ConversationAgent, state) => {
    state.storage.sql.exec("UPDATE sb_approvals SET request = json_set(request, '$.expiresAt', 0) WHERE id = ?", id);
    await instance.expireApproval({ id });
  });
}

/** The deployer agent's tool runs for one service: a gated tool ran once, or not at all. */
export const deploysOf = (service: string) => [...deploys.values()].filter((d) => d.service === service);
