// A third agent, declared the way a user would: an instruction, one custom tool, a model, triggers.
import { z } from "zod";
import { defineAgent, defineEmbeddedModel, defineTool } from "../../src/index.ts";

/** Every note the tool saved, in this isolate: how tests see that it ran, and how often. */
export const savedNotes: { conversationKey: string; text: string }[] = [];

export const saveNote = defineTool({
  name: "save_note",
  description: "Save the user's note.",
  inputSchema: z.object({ text: z.string().min(1) }),
  async execute({ text }, { event }) {
    savedNotes.push({ conversationKey: event.conversationKey, text });
    return { saved: savedNotes.length };
  },
});

export const notes = defineAgent({
  name: "notes",
  instructions: "Save what people ask you to remember.",
  model: defineEmbeddedModel("note-taker", ({ event, need }) => (need("save_note") ? { tool: "save_note", input: { text: event.text } } : { text: "Noted." })),
  tools: [saveNote],
  triggers: ["mention"],
});
