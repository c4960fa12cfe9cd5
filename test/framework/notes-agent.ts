// A third agent, declared the way a user would: an instruction, one custom tool, a model, triggers.
import type { LanguageModelV4 } from "@ai-sdk/provider";
import { z } from "zod";
import { defineAgent, defineTool } from "../../src/index.ts";

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

/** A scripted offline model: save the note, then confirm it. */
const noteTaker: LanguageModelV4 = {
  specificationVersion: "v4", provider: "test", modelId: "note-taker", supportedUrls: {},
  async doGenerate({ prompt }) {
    const saved = prompt.some((message) => message.role === "tool");
    const text = prompt.filter((m) => m.role === "user").at(-1)!.content.map((p) => (p.type === "text" ? p.text : "")).join("");
    const content = saved ? [{ type: "text" as const, text: "Noted." }] : [{ type: "tool-call" as const, toolCallId: "1", toolName: "save_note", input: JSON.stringify({ text: text.split("\n").at(-1) }) }];
    return { content, finishReason: { unified: saved ? "stop" : "tool-calls", raw: undefined }, usage: { inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 0, text: 0, reasoning: 0 } }, warnings: [] };
  },
  async doStream() { throw new Error("not used"); },
};

export const notes = defineAgent({ name: "notes", instructions: "Save what people ask you to remember.", model: noteTaker, tools: [saveNote], triggers: ["mention"] });
