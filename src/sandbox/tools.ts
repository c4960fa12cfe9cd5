import type { ResolvedProvider } from "@cloudflare/codemode";
import { createWorkspaceStateBackend, STATE_TYPES } from "@cloudflare/shell";
import type { JSONValue } from "@ai-sdk/provider";
import { z } from "zod";
import { defineTool, type Tool, type ToolContext, type ToolSet } from "../harness/tools.ts";
import type { WorkspaceFsLike } from "@cloudflare/shell";
import type { Sandbox, SandboxVerdict } from "./run.ts";
import { diffWorkspace, grepWorkspace, sandboxFiles } from "./workspace.ts";

/** Largest file `write_file` takes and `read_file` returns whole: a tool result goes to a model. */
const FILE_CHARS = 100_000;

const WorkspacePath = z
  .string()
  .min(1)
  .max(500)
  .refine((path) => !path.split("/").includes(".."), "a workspace path cannot climb with ..");

function workspaceOf(context: ToolContext): WorkspaceFsLike {
  if (!context.workspace) throw new Error("this agent has no workspace: declare it with `workspace: true`");
  return context.workspace;
}

function sandboxOf(context: ToolContext): Sandbox {
  if (!context.sandbox) throw new Error("this conversation has no sandbox: the Worker needs a worker_loaders binding named LOADER");
  return context.sandbox;
}

/** The workspace's tools, offered to every agent declared with `workspace: true`. */
export const workspaceTools = {
  read_file: defineTool({
    name: "read_file",
    description: "Read a file of this conversation's workspace (files loaded from the repository, or written earlier).",
    inputSchema: z.object({ path: WorkspacePath }),
    async execute({ path }, context) {
      const content = await workspaceOf(context).readFile(path);
      if (content === null) throw new Error(`no file ${path} in the workspace`);
      return content.length > FILE_CHARS ? { path, content: content.slice(0, FILE_CHARS), truncated: true } : { path, content };
    },
  }),
  write_file: defineTool({
    name: "write_file",
    description: "Write a file into this conversation's workspace (it lasts across turns). Parent folders are created.",
    inputSchema: z.object({ path: WorkspacePath, content: z.string().max(FILE_CHARS) }),
    async execute({ path, content }, context) {
      await workspaceOf(context).writeFile(path, content);
      return { written: path, bytes: new TextEncoder().encode(content).byteLength };
    },
  }),
  list: defineTool({
    name: "list",
    description: "List the workspace's files under a folder (default the root), or the ones matching a glob such as /src/**/*.js.",
    inputSchema: z.object({ path: WorkspacePath.optional(), glob: z.string().min(1).max(200).optional() }),
    async execute({ path, glob }, context) {
      const workspace = workspaceOf(context);
      const entries = glob ? await workspace.glob(glob) : await workspace.readDir(path ?? "/", { limit: 500 });
      return entries.slice(0, 500).map((entry) => ({ path: entry.path, type: entry.type, size: entry.size }));
    },
  }),
  grep: defineTool({
    name: "grep",
    description: "Search the workspace's files for text (or a regular expression with regex: true): each file's matching lines with their numbers.",
    inputSchema: z.object({ query: z.string().min(1).max(200), glob: z.string().min(1).max(200).optional(), regex: z.boolean().optional() }),
    async execute({ query, glob, regex }, context) {
      return (await grepWorkspace(workspaceOf(context), query, { ...(glob ? { glob } : {}), ...(regex !== undefined ? { regex } : {}) })) as unknown as JSONValue;
    },
  }),
  diff: defineTool({
    name: "diff",
    description: "A unified diff of a workspace file against proposed new content, or against another workspace file.",
    inputSchema: z.object({ path: WorkspacePath, content: z.string().max(FILE_CHARS).optional(), against: WorkspacePath.optional() }),
    async execute({ path, content, against }, context) {
      if (content === undefined && against === undefined) throw new Error("give the new content, or another file to compare against");
      return { diff: await diffWorkspace(workspaceOf(context), path, against !== undefined ? { path: against } : { content: content ?? "" }) };
    },
  }),
} satisfies Record<string, Tool>;

/**
 * Runs a JavaScript snippet (say, from a bug report) in a fresh isolate, with the workspace's
 * files importable, and says whether it reproduced. Its result is journaled like any tool's, so a
 * turn re-run after a crash does not run a finished snippet again.
 */
export const runSnippetTool = defineTool({
  name: "run_snippet",
  description:
    "Run a self-contained JavaScript snippet in an isolated sandbox (no network, no secrets, 1 s) to see whether it reproduces a reported bug. " +
    "It may import the workspace's files (load them from the repository first) and node:assert. Returns reproduced (the error and its stack, " +
    "or a failed assertion), did_not_reproduce (its output) or could_not_run (why).",
  inputSchema: z.object({ code: z.string().min(1).max(20_000), language: z.enum(["javascript", "typescript"]).optional() }),
  async execute({ code, language }, context) {
    const files = context.workspace ? await sandboxFiles(context.workspace) : {};
    return (await sandboxOf(context).runSnippet({ code, files, ...(language ? { language } : {}) })) as unknown as JSONValue;
  },
});

/**
 * The code tool: one tool through which a language model writes a program (an async arrow
 * function) that calls the agent's other tools as `codemode.<name>(input)` and the workspace as
 * `state.*` (@cloudflare/shell), run in the sandbox. Tools that need approval are left out, as
 * codemode does: a program cannot pause for a person.
 */
export function codeTool(tools: ToolSet): Tool {
  const callable = Object.entries(tools).filter(([, tool]) => tool.needsApproval === undefined || tool.needsApproval === false);
  // Each tool as the model will call it, with its input's JSON schema.
  const types = callable
    .map(([name, tool]) => `// ${tool.description}\ncodemode.${name}(input: ${JSON.stringify(z.toJSONSchema(tool.inputSchema))}): Promise<unknown>`)
    .join("\n");
  return defineTool({
    name: "code",
    description: [
      "Run a JavaScript program in an isolated sandbox (no network, no secrets, 1 s of work): an async arrow function whose returned value is the result.",
      "It can call this agent's tools as `await codemode.<tool>(input)` and the conversation's workspace as `await state.<method>(...)`.",
      "",
      types,
      "",
      STATE_TYPES,
    ].join("\n"),
    inputSchema: z.object({ code: z.string().min(1).max(20_000) }),
    async execute({ code }, context) {
      let call = 0;
      const fns = Object.fromEntries(
        callable.map(([name, tool]) => [
          name,
          async (input: unknown) => {
            const parsed = tool.inputSchema.safeParse(input ?? {});
            if (!parsed.success) throw new Error(`invalid input for ${name}: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`);
            // Each call inside the program gets its own key under the program's step.
            return tool.execute(parsed.data, { ...context, idempotencyKey: `${context.idempotencyKey}:${name}:${call++}` });
          },
        ]),
      );
      const providers: ResolvedProvider[] = [{ name: "codemode", fns }];
      if (context.workspace) {
        // Loaded when a program runs: @cloudflare/shell/workers brings codemode (and its parser) with it.
        const [{ resolveProvider }, { stateToolsFromBackend }] = await Promise.all([import("@cloudflare/codemode"), import("@cloudflare/shell/workers")]);
        providers.push(resolveProvider(stateToolsFromBackend(createWorkspaceStateBackend(context.workspace))));
      }
      return programResult(await sandboxOf(context).runProgram({ code }, providers));
    },
  });
}

/** A program's verdict in code-tool terms: its result, or why it failed. */
function programResult(verdict: SandboxVerdict): JSONValue {
  switch (verdict.verdict) {
    case "did_not_reproduce":
      return { ok: true, result: verdict.value === undefined ? null : (JSON.parse(verdict.value) as JSONValue), logs: [...verdict.output] };
    case "reproduced":
      return { ok: false, error: `${verdict.error.name}: ${verdict.error.message}`, stack: [...verdict.stack], logs: [...verdict.output] };
    case "could_not_run":
      return { ok: false, error: `could not run: ${verdict.reason}`, logs: [...verdict.output] };
  }
}
