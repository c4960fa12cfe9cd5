// The benchmark's Worker: the production Worker, plus two routes only the benchmark uses. Started
// with `startWorker({ entry: "bench/worker.ts" })`; the production entry never serves them.
import { Hono } from "hono";
import { classifyIssue } from "../agents/triage/classifier/index.ts";
import worker, { ConversationAgent as ProductionConversation } from "../src/worker.ts";
import { createSandbox } from "../src/sandbox/run.ts";
import { openWorkspace } from "../src/sandbox/workspace.ts";

export { DiscordGateway, Installation, InstallationIndex, ParticipationIndex, UsageLedger } from "../src/worker.ts";

/** The production conversation object, plus what the sandbox benchmark asks of it (bench only). */
export class ConversationAgent extends ProductionConversation {
  /** Fills this conversation's workspace with `files` source files of about 2 KiB, as the loader tool would; 0 only wakes (or touches) it. */
  async benchWorkspace(files: number): Promise<{ bytes: number }> {
    if (files === 0) return { bytes: 0 };
    const workspace = openWorkspace(this.ctx.storage.sql, () => this.name);
    let bytes = 0;
    for (let i = 0; i < files; i++) {
      const content = benchSourceFile(i);
      await workspace.writeFile(`/src/module-${i}.js`, content);
      bytes += content.length;
    }
    return { bytes };
  }
}

/** A plausible source file: imports, a few functions, comments. */
function benchSourceFile(i: number): string {
  const lines = [`import { helper${i} } from "./helpers-${i}.js";`, ""];
  for (let f = 0; f < 8; f++) {
    lines.push(`/** Computes part ${f} of module ${i}. */`, `export function part${i}_${f}(items, options = {}) {`, `  const limit = options.limit ?? ${10 + f};`, `  return items.filter((item) => item.weight > ${f}).slice(0, limit).map((item) => helper${i}(item, ${f}));`, "}", "");
  }
  return lines.join("\n");
}

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

// One snippet through the sandbox as triage runs it: the verdict (timed outside, like the ceiling).
bench.post("/bench/sandbox", async (c) => {
  const { code } = await c.req.json<{ code: string }>();
  return c.json(await createSandbox(c.env.LOADER).runSnippet({ code }));
});

// Wakes a conversation and gives it a workspace of `files` files (0: the object alone).
bench.post("/bench/workspace", async (c) => {
  const { key, files } = await c.req.json<{ key: string; files: number }>();
  const conversation = c.env.CONVERSATION.getByName(key) as unknown as { benchWorkspace(files: number): Promise<{ bytes: number }> };
  return c.json(await conversation.benchWorkspace(Math.min(files, 500)));
});

export default {
  fetch(request, env, ctx) {
    return new URL(request.url).pathname.startsWith("/bench/") ? bench.fetch(request, env, ctx) : worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
