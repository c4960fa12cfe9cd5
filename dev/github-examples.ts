// GitHub's own documented webhook payloads (@octokit/webhooks-examples), in Node. The file is
// 4 MB, too big to ship into workerd, so tests there fetch one event's examples from the
// emulator (GET /_emulator/github/examples/:event), which serves them from here.
import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import type { GitHubPayload } from "./github-events.ts";

type ExampleGroup = { name: string; examples: GitHubPayload[] };

/** Every documented payload of one event, deep-copied so callers may edit them. */
export function githubExamples(event: string): GitHubPayload[] {
  const group = (examples as unknown as ExampleGroup[]).find((candidate) => candidate.name === event);
  if (!group) throw new Error(`no GitHub examples for "${event}"`);
  return structuredClone(group.examples);
}

export function githubExample(event: string, action: string): GitHubPayload {
  const found = githubExamples(event).find((example) => example.action === action);
  if (!found) throw new Error(`no GitHub example for ${event}.${action}`);
  return found;
}
