// An agent whose model says a few words before it calls its tool, as language models often do:
// the live reply opens on them and the tool's step shows under them while it runs.
import { z } from "zod";
import { defineAgent, defineEmbeddedModel, defineTool } from "../../src/index.ts";

const lookUp = defineTool({
  name: "look_up",
  description: "Look something up.",
  inputSchema: z.object({ query: z.string().min(1) }),
  async execute({ query }) {
    return { answer: `${query.length} characters` };
  },
});

export const lookup = defineAgent({
  name: "lookup",
  instructions: "Look things up before you answer.",
  model: defineEmbeddedModel("looker", ({ event, results, need }) => {
    if (need("look_up")) return { say: "Let me look that up. ", tool: "look_up", input: { query: event.text } };
    const found = results.get("look_up");
    return { text: found?.ok ? `It has ${(found.value as { answer: string }).answer}.` : "I could not look it up." };
  }),
  tools: [lookUp],
  triggers: ["mention"],
});
