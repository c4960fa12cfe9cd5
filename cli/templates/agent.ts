// What `switchboard add agent <name>` writes: a declaration in the shape of
// examples/standup/index.ts, its instructions, and a test that runs one turn offline.

export interface AgentNames {
  /** The agent's name, as `defineAgent` takes it ("help-desk"). */
  readonly name: string;
  /** The exported constant ("helpDesk"). */
  readonly identifier: string;
}

export function agentInstructions({ name }: AgentNames): string {
  return `You are ${name}, an assistant that answers where the team already works.

- Record each request with record_request before you answer.
- Answer in one or two sentences: what you did, and what happens next.
- If the request is unclear, ask one question instead of guessing.
`;
}

export function agentDefinition({ name, identifier }: AgentNames): string {
  return `import { z } from "zod";
import { defineAgent, defineEmbeddedModel, defineTool } from "../../src/index.ts";
import instructions from "./instructions.md";

/**
 * An example tool: replace its body with what your agent does (call an API, write to a
 * database). The model's input is checked against \`inputSchema\` before \`execute\` runs. A tool
 * with an outside effect looks for it first when \`replay\` is true, or hands \`idempotencyKey\` to
 * an API that deduplicates by it: a turn that crashed runs the step again.
 */
export const recordRequest = defineTool({
  name: "record_request",
  description: "Record what the person asked for.",
  inputSchema: z.object({ summary: z.string().min(1) }),
  async execute({ summary }, { event }) {
    return { recorded: summary, by: event.actor.name };
  },
});

export const ${identifier} = defineAgent({
  name: "${name}",
  instructions,
  // Offline until MODEL is set; then a language model gets the same instructions and tools.
  model: defineEmbeddedModel("embedded-${name}", ({ event, need, results }) => {
    if (need("record_request")) return { tool: "record_request", input: { summary: event.text } };
    return results.get("record_request")?.ok
      ? { text: \`Noted, \${event.actor}: I recorded your request.\` }
      : { text: \`Sorry, \${event.actor}: I could not record that.\` };
  }),
  tools: [recordRequest],
  triggers: ["mention"],
});
`;
}

export function agentTest({ name, identifier }: AgentNames): string {
  return `// The ${name} agent, one turn offline: its own model, instructions and tools, a journal in
// memory, the reply captured instead of posted. Written by \`switchboard add agent\`; make it yours.
import { describe, expect, it } from "vitest";
import { ${identifier} } from "../../agents/${name}/index.ts";
import { runAgentTurn } from "../support/agent-turn.ts";

describe("the ${name} agent", () => {
  it("records a mention's request with record_request, then answers once", async () => {
    const turn = await runAgentTurn(${identifier}, { kind: "mention", text: "the VPN drops every hour", actor: "U0ALICE01" });
    expect(turn.steps).toEqual(["model:embedded-${name}", "tool:record_request", "model:embedded-${name}", "reply:reply"]);
    expect(turn.toolResults.record_request).toEqual({ recorded: "the VPN drops every hour", by: "U0ALICE01" });
    expect(turn.replies).toEqual(["Noted, U0ALICE01: I recorded your request."]);
  });
});
`;
}

/** The lines to add to agents/index.ts, given what its agents list holds today. */
export function routingInstructions({ name, identifier }: AgentNames, currentAgents: readonly string[] | null): string {
  const list = currentAgents ? [identifier, ...currentAgents].join(", ") : `${identifier}, …the agents already there`;
  return `Next, in agents/index.ts:

  import { ${identifier} } from "./${name}/index.ts";

  export const agents = [${list}];

and a rule in \`routes\`, ahead of the rules that catch everything (the first rule that matches wins):

  { agent: ${identifier}, channel: "slack", when: (event) => /^${name}\\b/i.test(event.text) },

Then \`@bot ${name}: …\` in Slack reaches it (npm run dev, the playground's Slack view).
Its test: npx vitest run test/agents/${name}.test.ts`;
}
