import { githubTools } from "../../channels/github/tools.ts";
import { defineAgent } from "../../src/index.ts";
import { embeddedModel } from "./embedded-model.ts";
import instructions from "./instructions.md";

/** The reviewer: reads a pull request's diff, flags what a reviewer should know, labels its size. */
export const reviewer = defineAgent({
  name: "reviewer",
  instructions,
  model: embeddedModel,
  tools: [githubTools.list_pull_request_files, githubTools.list_labels, githubTools.add_labels],
  // Comments too: the conversation stays with the agent that owns it, so follow-ups reach it.
  triggers: ["pr_opened", "pr_ready_for_review", "comment", "review_comment"],
});
