// The benchmark's Worker: the production Worker, plus two routes only the benchmark uses. Started
// with `startWorker({ entry: "bench/worker.ts" })`; the production entry never serves them.
import { Hono } from "hono";
import { classifyIssue } from "../agents/triage/classifier/index.ts";
import worker from "../src/worker.ts";

export { ConversationAgent, DiscordGateway, Installation, InstallationIndex, UsageLedger } from "../src/worker.ts";

const bench = new Hono<{ Bindings: Env }>();

// The ceiling: the same Worker answering without verifying or storing anything.
bench.post("/bench/ceiling", (c) => c.json({ ok: true }));

// The classifier's timing: classifies one issue `repeat` times. workerd's clock stands still
// while JavaScript runs, so the time is taken outside, against `repeat: 0`.
bench.post("/bench/classify", async (c) => {
  const { title, body, repeat } = await c.req.json<{ title: string; body: string; repeat: number }>();
  let label = "";
  for (let i = 0; i < Math.min(repeat, 1000); i++) label = classifyIssue({ title, body }).label;
  return c.json({ label });
});

export default {
  fetch(request, env, ctx) {
    return new URL(request.url).pathname.startsWith("/bench/") ? bench.fetch(request, env, ctx) : worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
