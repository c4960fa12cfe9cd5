import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { channels } from "../channels/index.ts";
import { githubTools } from "../channels/github/tools.ts";
import type { ToolContext } from "../src/index.ts";
import { loadConfig } from "../src/config.ts";
import { openWorkspace } from "../src/sandbox/workspace.ts";
import type { ConversationAgent } from "../src/worker.ts";
import { conversation } from "./support/agents.ts";
import { emulatorUrl, recordedCalls } from "./support/emulator.ts";
import { uniqueRepo } from "./support/github.ts";

async function seed(owner: string, repo: string, body: { files: Record<string, string>; branch?: string; pull?: number }) {
  const response = await fetch(`${emulatorUrl}/_emulator/github/repos/${owner}/${repo}/files`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as { sha: string };
}

/** load_repository_files as a GitHub conversation's turn calls it, over that conversation's workspace. */
async function load(target: { owner: string; repo: string; number: number; isPullRequest: boolean }, paths: string[]) {
  const key = `github:${target.owner}/${target.repo}#${target.number}`;
  return runInDurableObject(await conversation(key), async (_instance: ConversationAgent, state) => {
    const workspace = openWorkspace(state.storage.sql);
    const context: ToolContext = {
      idempotencyKey: `test:${key}`,
      replay: false,
      signal: new AbortController().signal,
      progress: async () => {},
      event: {} as ToolContext["event"],
      channel: { name: "github", target, config: loadConfig(env, channels).channels.get("github") },
      workspace,
    };
    const result = await githubTools.load_repository_files.execute({ paths }, context);
    const files = Object.fromEntries(await Promise.all((await workspace.glob("/**/*")).filter((entry) => entry.type === "file").map(async (entry) => [entry.path, await workspace.readFile(entry.path)])));
    return { result, files };
  });
}

describe("load_repository_files reads only what a snippet needs from the repository", () => {
  it("on a pull request it reads the head's files, not the default branch's", async () => {
    const { owner, repo } = uniqueRepo("pull-head");
    await seed(owner, repo, { files: { "src/sum.js": "exports.sum = (a, b) => a + b;\n" } });
    const head = await seed(owner, repo, { branch: "fix-sum", pull: 7, files: { "src/sum.js": "exports.sum = (a, b) => a - b; // the change under review\n" } });
    const { result, files } = await load({ owner, repo, number: 7, isPullRequest: true }, ["./src/sum"]);
    expect(result).toMatchObject({ ref: head.sha, loaded: [{ path: "src/sum.js" }], missing: [] });
    expect(files).toEqual({ "/src/sum.js": "exports.sum = (a, b) => a - b; // the change under review\n" });
    const reads = (await recordedCalls("github", `/${owner}/${repo}`)).filter((call) => call.method === "GET").map((call) => decodeURIComponent(call.path.replace(/^.*\/repos\/[^/]+\/[^/]+/, "")));
    expect(reads).toEqual(["/pulls/7", `/git/trees/${head.sha}?recursive=1`, `/contents/src/sum.js?ref=${head.sha}`]);
  });

  it("says which paths are missing and which files were too large, and loads none of them", async () => {
    const { owner, repo } = uniqueRepo("caps");
    await seed(owner, repo, { files: { "src/big.js": `export const data = "${"x".repeat(110 * 1024)}";\n`, "src/ok.js": "export const ok = true;\n" } });
    const { result, files } = await load({ owner, repo, number: 1, isPullRequest: false }, ["src/missing", "src/big", "src/ok"]);
    expect(result).toEqual({ ref: "main", loaded: [{ path: "src/ok.js", size: 24 }], missing: ["src/missing"], skipped: [{ path: "src/big.js", reason: "larger than 100 KB" }] });
    expect(Object.keys(files)).toEqual(["/src/ok.js"]);
  });
});
