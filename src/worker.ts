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

export default app satisfies ExportedHandler<Env>;
