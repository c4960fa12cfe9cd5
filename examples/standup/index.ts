import { z } from "zod";
import { defineAgent, defineEmbeddedModel, defineTool } from "../../src/index.ts";

const recordUpdate = defineTool({
  name: "record_update",
  description: "Record a team member's stand-up update.",
  inputSchema: z.object({ update: z.string().min(1) }),
  async execute({ update }, { event }) {
    // Keep it wherever your team does: a database, a spreadsheet, an API.
    return { recorded: update, by: event.actor.name };
  },
});

export const standup = defineAgent({
  name: "standup",
  instructions: "You collect stand-up updates: record each with record_update, then thank the person in one line.",
  // Offline until MODEL is set; then a language model calls the same tool.
  model: defineEmbeddedModel("embedded-standup", ({ event, need }) =>
    need("record_update")
      ? { tool: "record_update", input: { update: event.text.replace(/^standup:?\s*/i, "") } }
      : { text: `Thanks, ${event.actor}: noted.` },
  ),
  tools: [recordUpdate],
  triggers: ["mention"],
});
