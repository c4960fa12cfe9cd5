import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AgentDefinitionError, defineAgent, defineEmbeddedModel } from "../../src/index.ts";
import { UsageError } from "../project.ts";
import { agentDefinition, agentInstructions, agentTest, routingInstructions, type AgentNames } from "../templates/agent.ts";

/** Words a `const` cannot be named; such an agent's constant gets an `Agent` suffix. */
const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await".split(" "),
);

/**
 * Writes agents/<name>/ (instructions.md, index.ts) and test/agents/<name>.test.ts, and returns
 * what to add to agents/index.ts. Refuses a name `defineAgent` would refuse, and never overwrites.
 */
export function addAgent(root: string, name: string): { files: string[]; next: string } {
  checkName(name);
  const names: AgentNames = { name, identifier: identifierFor(name) };
  const files: Record<string, string> = {
    [`agents/${name}/instructions.md`]: agentInstructions(names),
    [`agents/${name}/index.ts`]: agentDefinition(names),
    [`test/agents/${name}.test.ts`]: agentTest(names),
  };
  const taken = Object.keys(files).filter((path) => existsSync(join(root, path)));
  if (existsSync(join(root, "agents", name))) taken.unshift(`agents/${name}/`);
  if (taken.length > 0) throw new UsageError(`${taken[0]} already exists; pick another name or remove it`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { files: Object.keys(files), next: routingInstructions(names, currentAgents(root)) };
}

/** The check `defineAgent` makes, by `defineAgent` itself: the rule lives in one place. */
function checkName(name: string): void {
  try {
    defineAgent({ name, instructions: "-", model: defineEmbeddedModel("-", () => ({ text: "" })), triggers: ["mention"] });
  } catch (error) {
    if (error instanceof AgentDefinitionError) throw new UsageError(error.message);
    throw error;
  }
}

function identifierFor(name: string): string {
  const camel = name.replace(/-+([a-z0-9])/g, (_, next: string) => next.toUpperCase());
  return RESERVED.has(camel) ? `${camel}Agent` : camel;
}

/** The names in agents/index.ts's `export const agents = [...]`, or null when it looks different. */
function currentAgents(root: string): string[] | null {
  const path = join(root, "agents/index.ts");
  if (!existsSync(path)) return null;
  const list = /export const agents\s*(?::[^=]+)?=\s*\[([^\]]*)\]/.exec(readFileSync(path, "utf8"))?.[1];
  return list === undefined ? null : list.split(",").map((item) => item.trim()).filter(Boolean);
}
