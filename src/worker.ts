import { getAgentByName } from "agents";
import { ConversationAgent } from "../agents/conversation.ts";
import { classifyIssue } from "../agents/triage/classifier/index.ts";
import { channels } from "../channels/index.ts";
import { createIngress } from "./ingress/app.ts";

export { ConversationAgent };
// Durable Object classes that channels bring (wrangler.toml binds them by class name).
export * from "../channels/durable-objects.ts";

const app = createIngress({
  channels,
  // One RPC per event: an Agent's public async methods start its lifecycle themselves
  // (node_modules/agents/docs/lifecycle.md), so getAgentByName's extra round trip buys nothing here.
  deliver: (env, event) => env.CONVERSATION.getByName(event.conversationKey).accept(event),
});

// The live view of conversation agents (the dev playground). Off unless AGENT_INSPECTOR=true:
// it shows conversation contents to whoever can reach the Worker.
app.get("/agents/conversation/:key", async (c) => {
  if ((c.env as unknown as Record<string, unknown>).AGENT_INSPECTOR !== "true") return c.json({ error: "not found" }, 404);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.json({ error: "expected a WebSocket upgrade" }, 426);
  const agent = await getAgentByName(c.env.CONVERSATION, c.req.param("key"));
  return agent.fetch(c.req.raw);
});

// The benchmark's ceiling: the same Worker answering without verifying or storing anything.
// Off unless BENCH_ROUTES=true (set only by `npm run bench`).
app.post("/bench/ceiling", (c) =>
  (c.env as unknown as Record<string, unknown>).BENCH_ROUTES === "true" ? c.json({ ok: true }) : c.json({ error: "not found" }, 404),
);

// The benchmark's classifier timing: classifies one issue `repeat` times. workerd's clock stands
// still while JavaScript runs, so the time is taken outside, against `repeat: 0`.
app.post("/bench/classify", async (c) => {
  if ((c.env as unknown as Record<string, unknown>).BENCH_ROUTES !== "true") return c.json({ error: "not found" }, 404);
  const { title, body, repeat } = await c.req.json<{ title: string; body: string; repeat: number }>();
  let label = "";
  for (let i = 0; i < Math.min(repeat, 1000); i++) label = classifyIssue({ title, body }).label;
  return c.json({ label });
});

export default app satisfies ExportedHandler<Env>;
