// An agent a test declares with a workspace, whose one tool runs the report's snippet in the
// sandbox and then calls GitHub: the call a test holds to kill the object after the sandbox ran
// and before the step was journaled.
import type { JSONValue } from "@ai-sdk/provider";
import { z } from "zod";
import { githubClient } from "../../channels/github/client.ts";
import type { GitHubConfig } from "../../channels/github/config.ts";
import type { GitHubTarget } from "../../channels/github/target.ts";
import { channelTools, defineAgent, defineEmbeddedModel } from "../../src/index.ts";
import { findSnippet } from "../../src/sandbox/snippet.ts";

/** Every sandbox run the tool finished, by conversation, in this isolate: how a test counts runs. */
export const sandboxRuns: string[] = [];

const githubTool = channelTools<GitHubTarget, GitHubConfig>("github");

export const reproduce = githubTool({
  name: "reproduce",
  description: "Run the report's snippet in the sandbox, then read the repository's labels.",
  inputSchema: z.object({}),
  async execute(_input, context) {
    const snippet = await findSnippet(context.event.text);
    if (!snippet || !context.sandbox) throw new Error("no snippet, or no sandbox");
    const verdict = await context.sandbox.runSnippet({ code: snippet.code, language: snippet.language });
    sandboxRuns.push(context.event.conversationKey);
    await githubClient(context.config, context.target.installationId).rest.issues.listLabelsForRepo({ owner: context.target.owner, repo: context.target.repo });
    return verdict as unknown as JSONValue;
  },
});

export const reproducer = defineAgent({
  name: "reproducer",
  instructions: "Run each bug report's snippet in the sandbox and say what it found.",
  model: defineEmbeddedModel("reproducer", ({ need, results }) => {
    if (need("reproduce")) return { tool: "reproduce", input: {} };
    const outcome = results.get("reproduce");
    return { text: `Sandbox verdict: ${outcome?.ok ? (outcome.value as { verdict: string }).verdict : `error: ${outcome?.error}`}` };
  }),
  tools: [reproduce],
  triggers: ["issue_opened"],
  workspace: true,
});
