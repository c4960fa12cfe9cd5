// An agent whose one tool needs a person's approval: the framework's approval gates, end to end.
import { z } from "zod";
import { defineAgent, defineEmbeddedModel, defineTool } from "../../src/index.ts";

/** Deploys that happened, by idempotency key: a re-run of the same call deploys nothing twice. */
export const deploys = new Map<string, { service: string; calls: number; replays: number }>();

/** While set, a deploy waits here after it took effect (a crash test kills the object meanwhile). */
export const hold: { until?: Promise<void> } = {};

export const deploy = defineTool({
  name: "deploy",
  description: "Deploy a service to production.",
  inputSchema: z.object({ service: z.string().min(1) }),
  needsApproval: true,
  describeCall: ({ service }) => `deploy *${service}* to production`,
  async execute({ service }, { idempotencyKey, replay }) {
    const done = deploys.get(idempotencyKey);
    if (done) {
      done.calls++;
      if (replay) done.replays++;
    } else deploys.set(idempotencyKey, { service, calls: 1, replays: replay ? 1 : 0 });
    await hold.until;
    return { deployed: service };
  },
});

export const deployer = defineAgent({
  name: "deployer",
  instructions: "Deploy what people ask for, once approved.",
  model: defineEmbeddedModel("deployer", ({ event, need, results }) => {
    if (need("deploy")) return { tool: "deploy", input: { service: event.text.replace(/^deploy\s+/i, "").trim() || "web" } };
    const outcome = results.get("deploy");
    return { text: outcome?.ok ? `Deployed ${String((outcome.value as { deployed: string }).deployed)}.` : `Not deployed: ${outcome && !outcome.ok ? outcome.error : "no answer"}` };
  }),
  tools: [deploy],
  // How each platform's tests ask: a Slack mention, Discord's /triage, a GitHub comment, a Linear
  // session (a mention or a delegation) or comment.
  triggers: ["mention", "command", "comment", "issue_assigned"],
});
