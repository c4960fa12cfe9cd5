import type { ToolOutcome } from "../../src/index.ts";
import type { SandboxVerdict } from "../../src/sandbox/run.ts";

/**
 * The sandbox's verdict in the triage comment's words: **Reproduced** (the error and the top of
 * its stack, or the failed assertion), **Did not reproduce** (it ran cleanly, and what it
 * printed) or **Could not run** (why). The output is the reporter's own code's, shown back on
 * their issue; it is never logged.
 */
export function describeVerdict(outcome: ToolOutcome): string[] {
  if (!outcome.ok) return [`**Could not run** the snippet in a sandbox: ${outcome.error}`];
  const verdict = outcome.value as unknown as SandboxVerdict;
  switch (verdict.verdict) {
    case "reproduced": {
      const error = `${verdict.error.name}: ${verdict.error.message}`.split("\n").filter((line) => line.trim() !== "").slice(0, 6).join("\n");
      const lines = verdict.assertion
        ? [`**Reproduced** in a sandbox: the snippet fails its assertion.`, ...block(error)]
        : [`**Reproduced** in a sandbox: the snippet throws`, ...block([error, ...verdict.stack.map((frame) => `    ${frame}`)].join("\n"))];
      return verdict.output.length > 0 ? [...lines, "Its output before that:", ...block(verdict.output.join("\n"))] : lines;
    }
    case "did_not_reproduce":
      return verdict.output.length > 0
        ? ["**Did not reproduce** in a sandbox: the snippet ran cleanly. Its output:", ...block(verdict.output.join("\n"))]
        : ["**Did not reproduce** in a sandbox: the snippet ran cleanly and printed nothing."];
    case "could_not_run":
      return [`**Could not run** the snippet in a sandbox: ${verdict.reason}.`];
  }
}

/** A fenced block that the text inside cannot close early. */
function block(text: string): string[] {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return [fence, text, fence];
}
