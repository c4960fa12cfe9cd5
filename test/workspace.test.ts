import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { defineAgent, defineEmbeddedModel, defineTool, type ToolContext } from "../src/index.ts";
import { toolsFor } from "../src/agent.ts";
import { createSandbox } from "../src/sandbox/run.ts";
import { codeTool, workspaceTools } from "../src/sandbox/tools.ts";
import { openWorkspace, WorkspaceRetention } from "../src/sandbox/workspace.ts";
import { WORKSPACE_RETENTION_MS } from "../src/runtime/conversation.ts";
import type { ConversationAgent } from "../src/worker.ts";
import { REPOSITORY_FILE } from "./fixtures/snippet-reports.ts";
import { conversation, settled } from "./support/agents.ts";
import { emulatorUrl } from "./support/emulator.ts";
import { githubExample, inRepository, openedIssue, postGitHub, uniqueRepo } from "./support/github.ts";

/** A tool context with only what workspace tools use, over a real conversation object's SQLite. */
function contextOver(state: DurableObjectState, name: string): ToolContext {
  return {
    idempotencyKey: `test:${name}`,
    replay: false,
    signal: new AbortController().signal,
    progress: async () => {},
    channel: { name: "github", target: {}, config: {} },
    event: {} as ToolContext["event"],
    workspace: openWorkspace(state.storage.sql),
    sandbox: createSandbox(env.LOADER),
  };
}

const inConversation = async <T>(name: string, run: (context: ToolContext, instance: ConversationAgent, state: DurableObjectState) => Promise<T>) =>
  runInDurableObject(await conversation(name), (instance: ConversationAgent, state) => run(contextOver(state, name), instance, state));

describe("what an agent declared with workspace or code is offered", () => {
  const ping = defineTool({ name: "ping", description: "Ping.", inputSchema: z.object({}), execute: async () => "pong" });
  const model = defineEmbeddedModel("offered", () => ({ text: "ok" }));
  const declare = (extra: { workspace?: true; code?: true }) => defineAgent({ name: "offered", instructions: "Answer.", model, tools: [ping], triggers: ["mention"], ...extra });

  it("workspace: true adds the workspace's tools; without it, only the agent's own", () => {
    expect(Object.keys(toolsFor(declare({}), "slack")).sort()).toEqual(["ping"]);
    expect(Object.keys(toolsFor(declare({ workspace: true }), "slack")).sort()).toEqual(["diff", "grep", "list", "ping", "read_file", "write_file"]);
  });

  it("code: true implies a workspace, and adds the code tool only when a language model runs the turn", () => {
    const coder = declare({ code: true });
    expect(coder.workspace).toBe(true);
    expect(Object.keys(toolsFor(coder, "slack"))).not.toContain("code");
    expect(Object.keys(toolsFor(coder, "slack", { languageModel: true }))).toContain("code");
  });
});

describe("a conversation's workspace", () => {
  it("write_file, read_file, list, grep and diff work on files that stay in the conversation's SQLite", async () => {
    const name = `github:workspace-tests/files-${crypto.randomUUID().slice(0, 8)}#1`;
    await inConversation(name, async (context) => {
      await workspaceTools.write_file.execute({ path: "/src/dates.js", content: "export const add = (a, b) => a + b;\n// note: timezones\n" }, context);
      await workspaceTools.write_file.execute({ path: "/src/util.js", content: "export const id = (x) => x;\n" }, context);
    });
    // Another activation of the same object reads what the first wrote.
    await inConversation(name, async (context) => {
      expect(await workspaceTools.read_file.execute({ path: "/src/dates.js" }, context)).toEqual({ path: "/src/dates.js", content: "export const add = (a, b) => a + b;\n// note: timezones\n" });
      expect(await workspaceTools.list.execute({ path: "/src" }, context)).toEqual([
        { path: "/src/dates.js", type: "file", size: 55 },
        { path: "/src/util.js", type: "file", size: 28 },
      ]);
      expect(await workspaceTools.grep.execute({ query: "timezones" }, context)).toEqual([{ path: "/src/dates.js", matches: [{ line: 2, text: "// note: timezones" }] }]);
      const { diff } = (await workspaceTools.diff.execute({ path: "/src/util.js", content: "export const id = (value) => value;\n" }, context)) as { diff: string };
      expect(diff).toContain("-export const id = (x) => x;");
      expect(diff).toContain("+export const id = (value) => value;");
      await expect(workspaceTools.read_file.execute({ path: "/missing.js" }, context)).rejects.toThrow("no file /missing.js in the workspace");
    });
  });

  it("a path that climbs out with .. is refused by the tool's schema", () => {
    expect(workspaceTools.read_file.inputSchema.safeParse({ path: "/src/../../etc/passwd" }).success).toBe(false);
  });

  it("the code tool runs a program that calls the agent's tools and the workspace, in the sandbox", async () => {
    const name = `github:workspace-tests/code-${crypto.randomUUID().slice(0, 8)}#1`;
    const looked: string[] = [];
    const lookup = defineTool({
      name: "lookup_user",
      description: "Find a user by id.",
      inputSchema: z.object({ id: z.number().int() }),
      async execute({ id }, { idempotencyKey }) {
        looked.push(idempotencyKey);
        return { id, name: id === 1 ? "Ada" : "Grace" };
      },
    });
    const code = codeTool({ lookup_user: lookup, ...workspaceTools });
    expect(code.description).toContain("codemode.lookup_user(input:");
    const result = await inConversation(name, async (context) => {
      await context.workspace!.writeFile("/ids.json", "[1, 2]");
      return code.execute(
        {
          code: `async () => {
            const ids = JSON.parse(await state.readFile("/ids.json"));
            const users = [];
            for (const id of ids) users.push(await codemode.lookup_user({ id }));
            await state.writeFile("/names.txt", users.map((u) => u.name).join(","));
            return users.length;
          }`,
        },
        context,
      );
    });
    expect(result).toEqual({ ok: true, result: 2, logs: [] });
    // Each call inside the program got its own key under the program's step.
    expect(looked).toEqual([`test:${name}:lookup_user:0`, `test:${name}:lookup_user:1`]);
    await inConversation(name, async (context) => expect(await context.workspace!.readFile("/names.txt")).toBe("Ada,Grace"));
  });

  it("a code tool program that loops forever or reaches for the network fails with the reason, not a hang", async () => {
    const name = `github:workspace-tests/code-${crypto.randomUUID().slice(0, 8)}#1`;
    const code = codeTool({});
    await inConversation(name, async (context) => {
      expect(await code.execute({ code: "async () => { for (;;) {} }" }, context)).toMatchObject({ ok: false, error: expect.stringMatching(/^could not run: it ran /) });
      expect(await code.execute({ code: `async () => (await fetch("https://example.com/")).status` }, context)).toMatchObject({ ok: false, error: expect.stringMatching(/needs the network/) });
    });
  });
});

describe("a closed ticket's workspace is deleted after the retention period", () => {
  it("triage loads the repository files into the issue's workspace; closing the issue schedules their deletion, which its alarm carries out", async () => {
    const { owner, repo } = uniqueRepo("retention");
    const key = `github:${owner}/${repo}#1`;
    await fetch(`${emulatorUrl}/_emulator/github/repos/${owner}/${repo}/files`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ files: REPOSITORY_FILE.files }) });
    await postGitHub("issues", await openedIssue(owner, repo, REPOSITORY_FILE));
    await settled(key);
    const paths = () => inConversation(key, async (context) => (await context.workspace!.glob("/**/*")).filter((entry) => entry.type === "file").map((file) => file.path));
    expect(await paths()).toEqual(["/src/paginate.js", "/src/util/clamp.js"]);

    // GitHub's documented issue, closed by a maintainer (as test/chat-to-ticket.test.ts builds it).
    const closed = inRepository(await githubExample("issues", "opened"), owner, repo);
    closed.action = "closed";
    Object.assign(closed.issue as object, { ...REPOSITORY_FILE, files: undefined, labels: [], state: "closed", state_reason: "completed", closed_at: new Date().toISOString() });
    Object.assign(closed.sender as object, { login: "maria", id: 4242, type: "User" });
    expect((await postGitHub("issues", closed)).status).toBe(200);
    await settled(key);
    const schedule = await runInDurableObject(await conversation(key), (instance: ConversationAgent) => instance.getSchedules().find((s) => s.callback === "purgeWorkspace"));
    expect(schedule).toBeDefined();
    expect(schedule!.time * 1000 - Date.now()).toBeGreaterThan(WORKSPACE_RETENTION_MS - 60_000);

    // Its alarm, once the period has passed: the files go.
    await runInDurableObject(await conversation(key), async (instance: ConversationAgent, state) => {
      const closedAt = Date.now() - WORKSPACE_RETENTION_MS - 1;
      new WorkspaceRetention(state.storage.sql).mark(closedAt);
      await instance.purgeWorkspace({ closedAt });
    });
    expect(await paths()).toEqual([]);
  });

  it("a reopened ticket keeps its files when the alarm of its earlier close comes", async () => {
    const name = `github:workspace-tests/reopened-${crypto.randomUUID().slice(0, 8)}#1`;
    await inConversation(name, async (context, instance, state) => {
      await context.workspace!.writeFile("/src/a.js", "export const a = 1;\n");
      const closedAt = Date.now() - WORKSPACE_RETENTION_MS - 1;
      const retention = new WorkspaceRetention(state.storage.sql);
      retention.mark(closedAt);
      retention.mark(null); // reopened
      await instance.purgeWorkspace({ closedAt });
      expect(await context.workspace!.readFile("/src/a.js")).toBe("export const a = 1;\n");
    });
  });
});
