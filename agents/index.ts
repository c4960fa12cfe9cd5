import { isPullRequest } from "../channels/github/target.ts";
import type { Route } from "../src/index.ts";
import { reviewer } from "./reviewer/index.ts";
import { triage } from "./triage/index.ts";

/** Every agent this Worker runs. Adding one: a folder under agents/, a line here, a route below. */
export const agents = [reviewer, triage];

/** Which agent handles which events: the first rule that matches wins. */
export const routes: Route[] = [
  // Pull requests are reviewed, and a comment that reaches a pull request before the review
  // does still goes to the reviewer, so it owns the conversation from the start.
  { agent: reviewer, channel: "github", kinds: ["pr_opened", "pr_ready_for_review", "comment", "review_comment"], when: isPullRequest },
  { agent: triage },
];
