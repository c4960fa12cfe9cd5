import { describe, expect, it } from "vitest";
import { splitMessage } from "../src/format/split.ts";

describe("splitting long answers for platform limits", () => {
  it("leaves a short message alone", () => {
    expect(splitMessage("hello", 100)).toEqual(["hello"]);
  });

  it("splits at paragraph boundaries, every part within the limit, nothing lost", () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${"word ".repeat(10)}`.trim());
    const text = paragraphs.join("\n\n");
    const parts = splitMessage(text, 200);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(200);
    expect(parts.join("\n\n")).toBe(text);
  });

  it("never leaves a code fence open: it closes and reopens it with its language", () => {
    const code = Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i});`).join("\n");
    const text = `Here is the fix:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat's all.`;
    const parts = splitMessage(text, 300);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(300);
      expect((part.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(parts[1]!.startsWith("```ts\n")).toBe(true);
    const rejoined = parts.join("\n").replace(/\n```\n```ts\n/g, "\n");
    for (let i = 0; i < 40; i++) expect(rejoined).toContain(`const value${i} = compute(${i});`);
  });

  it("splits a single huge word rather than truncating it", () => {
    const word = "x".repeat(250);
    const parts = splitMessage(word, 100);
    expect(parts.join("")).toBe(word);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(100);
  });
});
