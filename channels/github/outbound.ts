import type { Octokit } from "@octokit/rest";
import type { PostedMessage, EffectContext, Outbound } from "../../src/channel.ts";
import type { GitHubTarget } from "./target.ts";
import { postParts } from "../../src/post-parts.ts";
import { splitMessage } from "../../src/format/split.ts";
import { mayApprove, refuse, requestBody, resolve } from "./approval.ts";
import { githubClient } from "./client.ts";
import type { GitHubConfig } from "./config.ts";

/** GitHub rejects comment bodies over 65,536 characters; leave room for the marker. */
const COMMENT_LIMIT = 65_000;


/** The hidden marker that lets a re-run find a comment an earlier attempt already posted. */
export function marker(key: string): string {
  return `<!-- switchboard:${key} -->`;
}

export function githubOutbound(target: GitHubTarget, config: GitHubConfig): Outbound {
  const octokit = () => githubClient(config, target.installationId);
  const where = { owner: target.owner, repo: target.repo, issue_number: target.number };

  return {
    reply(markdown: string, effect: EffectContext): Promise<PostedMessage> {
      return postParts(splitMessage(markdown, COMMENT_LIMIT), effect, {
        findPosted: (key) => findMarked(octokit(), where, key),
        async post(part, key) {
          const { data } = await octokit().rest.issues.createComment({ ...where, body: `${part}\n\n${marker(key)}` });
          return { id: String(data.id), url: data.html_url };
        },
      });
    },

    async requestApproval(request, effect) {
      if (effect.replay) {
        const posted = (await findMarked(octokit(), where, effect.idempotencyKey)).get(effect.idempotencyKey);
        if (posted) return posted;
      }
      const { data } = await octokit().rest.issues.createComment({ ...where, body: `${requestBody(request, config)}\n\n${marker(effect.idempotencyKey)}` });
      return { id: String(data.id), url: data.html_url };
    },

    resolveApproval: (posted, request, outcome) => resolve(octokit(), target, posted, request, outcome),
    mayApprove: (event) => mayApprove(octokit(), target, config, event),
    refuseApprover: (event, reason) => refuse(octokit(), target, event, reason, marker),
  };
}

/** Comments on the issue that carry a marker of this key (or of its parts), by key. */
async function findMarked(
  octokit: Octokit,
  where: { owner: string; repo: string; issue_number: number },
  key: string,
): Promise<Map<string, PostedMessage>> {
  const found = new Map<string, PostedMessage>();
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
