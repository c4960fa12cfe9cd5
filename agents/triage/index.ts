import { githubTools } from "../../channels/github/tools.ts";
import { linearTools } from "../../channels/linear/tools.ts";
import { defineAgent, EventKind } from "../../src/index.ts";
import { runSnippetTool } from "../../src/sandbox/tools.ts";
import { embeddedModel } from "./embedded-model.ts";
import instructions from "./instructions.md";
import { reportBackTool } from "./tickets/report-back.ts";
import { TicketSettings } from "./tickets/settings.ts";
import { chatTicketTools } from "./tickets/tools.ts";

const slackTickets = chatTicketTools("slack");
const discordTickets = chatTicketTools("discord");

const NOT_TRIGGERS = new Set<EventKind>(["cancel", "pr_opened", "pr_ready_for_review"]);

/**
 * The triage agent: classifies issues and messages, labels them, and says what is missing. A
 * report in Slack or Discord becomes a ticket (or a comment on its duplicate) in the channel's
 * tracker once a person approves, and the ticket reports back to the thread. Pull requests are the reviewer's.
 */
export const triage = defineAgent({
  name: "triage",
  instructions,
  model: embeddedModel,
  tools: [
    githubTools.list_labels,
    githubTools.add_labels,
    githubTools.load_repository_files,
    runSnippetTool,
    linearTools.list_labels,
    linearTools.add_labels,
    linearTools.set_priority,
    linearTools.set_state,
    linearTools.set_estimate,
    linearTools.link_issues,
    ...Object.values(slackTickets),
    ...Object.values(discordTickets),
    reportBackTool("github"),
    reportBackTool("linear"),
  ],
  // TICKET_TRACKERS: which GitHub repository or Linear team each chat channel files into.
  settings: TicketSettings,
  // Every kind of event starts a turn except cancel, which stops one, and a pull request opening
  // or becoming ready for review, which the reviewer answers.
  triggers: EventKind.options.filter((kind) => !NOT_TRIGGERS.has(kind)),
  limits: { maxSteps: 12, maxAttempts: 4, historyLimit: 20 },
  // A bug report's JavaScript snippet is run in the sandbox, with the repository files it imports.
  workspace: true,
});

export { classifyIssue } from "./classifier/index.ts";
