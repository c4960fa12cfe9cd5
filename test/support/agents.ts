import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { getAgentByName } from "agents";

/** How many conversation agents exist: a rejected request must not create one. */
export async function listConversations(): Promise<number> {
  return (await listDurableObjectIds(env.CONVERSATION)).length;
}

export function conversation(key: string) {
  return getAgentByName(env.CONVERSATION, key);
}
