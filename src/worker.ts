import { getAgentByName } from "agents";
import { ConversationAgent } from "../agents/conversation.ts";
import { channels } from "../channels/index.ts";
import { createIngress } from "./ingress/app.ts";

export { ConversationAgent };

const app = createIngress({
  channels,
  async deliver(env, event) {
    const agent = await getAgentByName(env.CONVERSATION, event.conversationKey);
    return agent.accept(event);
  },
});

// The live view of conversation agents (the dev playground). Off unless AGENT_INSPECTOR=true:
// it shows conversation contents to whoever can reach the Worker.
app.get("/agents/conversation/:key", async (c) => {
  if ((c.env as unknown as Record<string, unknown>).AGENT_INSPECTOR !== "true") return c.json({ error: "not found" }, 404);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.json({ error: "expected a WebSocket upgrade" }, 426);
  const agent = await getAgentByName(c.env.CONVERSATION, c.req.param("key"));
  return agent.fetch(c.req.raw);
});

export default app satisfies ExportedHandler<Env>;
