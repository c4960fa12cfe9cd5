import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { Delivery, EffectContext, Outbound } from "../../src/channel.ts";
import type { ReplyTo } from "../../src/event.ts";
import { postParts } from "../../src/delivery.ts";
import { splitMessage } from "../../src/format/split.ts";
import { defineTool } from "../../src/harness/tools.ts";
import { githubClient } from "./client.ts";
import type { GitHubConfig } from "./config.ts";

/** GitHub rejects comment bodies over 65,536 characters; leave room for the marker. */
const COMMENT_LIMIT = 65_000;

type GitHubTarget = Extract<ReplyTo, { channel: "github" }>;

/** The hidden marker that lets a re-run find a comment an earlier attempt already posted. */
export function marker(key: string): string {
  return `<!-- switchboard:${key} -->`;
}

export function githubOutbound(target: GitHubTarget, config: GitHubConfig): Outbound {
  const octokit = () => githubClient(config, target.installationId);
  const where = { owner: target.owner, repo: target.repo, issue_number: target.number };

  return {
    reply(markdown: string, effect: EffectContext): Promise<Delivery> {
      return postParts(splitMessage(markdown, COMMENT_LIMIT), effect, {
        findPosted: (key) => findMarked(octokit(), where, key),
        async post(part, key) {
          const { data } = await octokit().rest.issues.createComment({ ...where, body: `${part}\n\n${marker(key)}` });
          return { id: String(data.id), url: data.html_url };
        },
      });
    },

    tools: {
      list_labels: defineTool({
        description: "List the names of every label that exists in this repository.",
        input: z.object({}),
        async execute() {
          const labels = await octokit().paginate(octokit().rest.issues.listLabelsForRepo, {
            owner: target.owner,
            repo: target.repo,
            per_page: 100,
          });
          return labels.map((label) => label.name);
        },
      }),
      add_labels: defineTool({
        description: "Add existing repository labels to this issue or pull request.",
        input: z.object({ labels: z.array(z.string().min(1)).min(1).max(10) }),
        async execute({ labels }, effect) {
          let toAdd = labels;
          if (effect.replay) {
            const current = await octokit().paginate(octokit().rest.issues.listLabelsOnIssue, { ...where, per_page: 100 });
            const present = new Set(current.map((label) => label.name.toLowerCase()));
            toAdd = labels.filter((label) => !present.has(label.toLowerCase()));
          }
          if (toAdd.length > 0) await octokit().rest.issues.addLabels({ ...where, labels: toAdd });
          return { added: labels };
        },
      }),
      list_pull_request_files: defineTool({
        description: "List the files this pull request changes, with lines added and deleted.",
        input: z.object({}),
        async execute() {
          if (!target.isPullRequest) throw new Error("this conversation is an issue, not a pull request");
          const files = await octokit().paginate(octokit().rest.pulls.listFiles, {
            owner: target.owner,
            repo: target.repo,
            pull_number: target.number,
            per_page: 100,
          });
          return files.slice(0, 300).map(({ filename, additions, deletions, status }) => ({ filename, additions, deletions, status }));
        },
      }),
    },
  };
}

/** Comments on the issue that carry a marker of this key (or of its parts), by key. */
async function findMarked(
  octokit: Octokit,
  where: { owner: string; repo: string; issue_number: number },
  key: string,
): Promise<Map<string, Delivery>> {
  const found = new Map<string, Delivery>();
  const pattern = /<!-- switchboard:([^\s]+) -->/g;
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, { ...where, per_page: 100 })) {
    for (const comment of page.data) {
      for (const match of comment.body?.matchAll(pattern) ?? []) {
        const marked = match[1]!;
        if (marked === key || marked.startsWith(`${key}/`)) found.set(marked, { id: String(comment.id), url: comment.html_url });
      }
    }
  }
  return found;
}
