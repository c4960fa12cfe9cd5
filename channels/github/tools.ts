import type { JSONValue } from "@ai-sdk/provider";
import { z } from "zod";
import { channelTools } from "../../src/harness/tools.ts";
import { githubClient } from "./client.ts";
import type { GitHubConfig } from "./config.ts";
import type { GitHubTarget } from "./target.ts";
import { capPatches } from "./pull-request-files.ts";
import { loadRepositoryFiles } from "./repository-files.ts";

const githubTool = channelTools<GitHubTarget, GitHubConfig>("github");

const issueOf = (target: GitHubTarget) => ({ owner: target.owner, repo: target.repo, issue_number: target.number });

/** GitHub's tools, for agents to pick from (`tools: [githubTools.add_labels, …]`). Each is safe to re-run. */
export const githubTools = {
  list_labels: githubTool({
    name: "list_labels",
    description: "List the names of every label that exists in this repository.",
    inputSchema: z.object({}),
    async execute(_input, { target, config }) {
      const octokit = githubClient(config, target.installationId);
      const labels = await octokit.paginate(octokit.rest.issues.listLabelsForRepo, { owner: target.owner, repo: target.repo, per_page: 100 });
      return labels.map((label) => label.name);
    },
  }),

  add_labels: githubTool({
    name: "add_labels",
    description: "Add existing repository labels to this issue or pull request.",
    inputSchema: z.object({ labels: z.array(z.string().min(1)).min(1).max(10) }),
    async execute({ labels }, { target, config, replay }) {
      const octokit = githubClient(config, target.installationId);
      let toAdd = labels;
      if (replay) {
        const current = await octokit.paginate(octokit.rest.issues.listLabelsOnIssue, { ...issueOf(target), per_page: 100 });
        const present = new Set(current.map((label) => label.name.toLowerCase()));
        toAdd = labels.filter((label) => !present.has(label.toLowerCase()));
      }
      if (toAdd.length > 0) await octokit.rest.issues.addLabels({ ...issueOf(target), labels: toAdd });
      return { added: labels };
    },
  }),

  list_pull_request_files: githubTool({
    name: "list_pull_request_files",
    description:
      "List the files this pull request changes: status, lines added and deleted, and each file's patch (unified diff hunks; " +
      "lines starting with + were added). Large patches are cut, and `note` then says what is missing.",
    inputSchema: z.object({}),
    async execute(_input, { target, config }) {
      if (!target.isPullRequest) throw new Error("this conversation is an issue, not a pull request");
      const octokit = githubClient(config, target.installationId);
      const entries = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: target.owner, repo: target.repo, pull_number: target.number, per_page: 100 });
      return capPatches(entries);
    },
  }),

  load_repository_files: githubTool({
    name: "load_repository_files",
    description:
      "Load files of this repository into the conversation's workspace, at the default branch (or a pull request's head): the paths named " +
      "(extension optional: src/dates finds src/dates.js) and the files they import, up to 20 files of 100 KB each. Says which were missing.",
    inputSchema: z.object({ paths: z.array(z.string().min(1).max(300)).min(1).max(20) }),
    async execute({ paths }, context) {
      if (!context.workspace) throw new Error("this agent has no workspace: declare it with `workspace: true`");
      return (await loadRepositoryFiles(githubClient(context.config, context.target.installationId), context.target, paths, context.workspace)) as unknown as JSONValue;
    },
  }),
};
