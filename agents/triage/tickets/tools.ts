import { z } from "zod";
import type { GitHubConfig } from "../../../channels/github/config.ts";
import type { LinearConfig } from "../../../channels/linear/config.ts";
import { defineTool, type Tool, type ToolContext } from "../../../src/index.ts";
import { githubTracker } from "./github.ts";
import { linearTracker } from "./linear.ts";
import { chatChannel, chatOrigin, type ChatOrigin } from "./origin.ts";
import { trackerFor, trackerName, type TicketSettings } from "./settings.ts";
import { chatReport, DUPLICATE_THRESHOLD, reportVector, similarity } from "./similarity.ts";
import { TrackerUnavailable, type Tracker } from "./tracker.ts";

/** Candidates shown to the model: enough to choose, few enough to read. */
const SHOWN_CANDIDATES = 5;

/** The tracker this chat conversation files into, ready to use; throws what the model should tell the person. */
function trackerOf(context: ToolContext): Tracker {
  const tracker = mappedTracker(context);
  if (!tracker) throw new TrackerUnavailable(`no tracker is set for this ${chatChannel(context)!.platform} channel (TICKET_TRACKERS)`);
  return tracker;
}

/** As trackerOf, but null for a chat channel TICKET_TRACKERS maps nowhere: a search there finds nothing, which is no error. */
function mappedTracker(context: ToolContext): Tracker | null {
  const chat = chatChannel(context);
  if (!chat) throw new TrackerUnavailable("tickets are filed from Slack and Discord conversations only");
  const settings = context.settings?.() as TicketSettings | undefined;
  const ref = settings && trackerFor(settings, chat.platform, chat.channelId);
  if (!ref) return null;
  const config = context.channelConfig?.(ref.kind);
  if (config === undefined) throw new TrackerUnavailable(`${trackerName(ref)} cannot be reached: the ${ref.kind} channel is not enabled`);
  return ref.kind === "github"
    ? githubTracker(config as GitHubConfig, ref.owner, ref.repo, { reportedAt: context.event.occurredAt })
    : linearTracker(config as LinearConfig, ref.team);
}

/** The report quoted, where it came from and who reported it: the ticket's body, or the comment on a duplicate. */
function reportMarkdown(text: string, origin: ChatOrigin | undefined, notes?: string): string {
  const quoted = text
    .trim()
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
  const where = origin ? (origin.link ? `[a ${platformName(origin.platform)} thread](${origin.link})` : `a ${platformName(origin.platform)} thread`) : "chat";
  const lines = [quoted, "", `Reported by **${origin?.reporter ?? "someone"}** in ${where}.`];
  if (notes?.trim()) lines.push("", notes.trim());
  return lines.join("\n");
}

const platformName = (platform: string) => (platform === "slack" ? "Slack" : platform === "discord" ? "Discord" : platform);

const Kind = z.enum(["bug", "feature", "question"]);
const Priority = z.enum(["urgent", "high", "medium", "low"]);

/**
 * The ticket tools of one chat platform: offered only in its conversations, where the mapping
 * (TICKET_TRACKERS) names the tracker. Filing and adding to a ticket wait for a person's approval.
 */
export function chatTicketTools(platform: "slack" | "discord"): { search_issues: Tool; file_ticket: Tool; add_to_ticket: Tool } {
  return {
    search_issues: defineTool({
      name: "search_issues",
      channel: platform,
      description:
        "Search this channel's tracker (a GitHub repository or a Linear team) for tickets like the report. Returns the tracker, " +
        "candidates ranked by similarity (0–1), and `duplicate`: the candidate similar enough to be the same problem, or null. " +
        "`tracker` is null where this channel files into no tracker: nothing to search, and no ticket to offer.",
      inputSchema: z.object({ report: z.string().min(1).max(20_000).optional().describe("The report's text; by default the message being answered.") }),
      async execute({ report }, context) {
        const tracker = mappedTracker(context);
        if (!tracker) return { tracker: null, candidates: [], duplicate: null };
        const asked = chatReport(report ?? context.event.text);
        const mine = reportVector(asked);
        const found = await tracker.search(asked);
        const ranked = found
          .map((ticket) => ({ ticket, similarity: similarity(mine, reportVector({ title: ticket.title, body: ticket.body })) }))
          .sort((a, b) => b.similarity - a.similarity);
        const candidates = ranked.slice(0, SHOWN_CANDIDATES).map(({ ticket, similarity }) => ({
          id: ticket.id,
          title: ticket.title,
          state: ticket.state,
          open: ticket.open,
          url: ticket.url,
          similarity,
        }));
        const best = candidates[0];
        return { tracker: tracker.name, candidates, duplicate: best && best.similarity >= DUPLICATE_THRESHOLD ? best : null };
      },
    }),

    file_ticket: defineTool({
      name: "file_ticket",
      channel: platform,
      description:
        "File the report as a new ticket in this channel's tracker, once a person approves. The ticket quotes the report, links " +
        "back to this thread and names the reporter; labels and priority are set where the tracker has them. Replies with its link.",
      inputSchema: z.object({
        tracker: z.string().min(1).describe("The tracker search_issues named, e.g. github:acme/app or linear:ENG."),
        title: z.string().min(3).max(200),
        kind: Kind.optional(),
        priority: Priority.optional(),
        notes: z.string().max(2000).optional().describe("Your triage notes for the ticket: classification, what is missing."),
      }),
      needsApproval: true,
      describeCall: ({ tracker, title, kind, priority }) =>
        `file “${title}” in ${tracker.replace(/^\w+:/, "")}${kind ? ` as a ${kind}` : ""}${priority ? `, priority ${priority}` : ""}`,
      async execute({ tracker: named, title, kind, priority, notes }, context) {
        const tracker = trackerOf(context);
        if (named !== tracker.name) throw new Error(`this channel files into ${tracker.name}, not ${named}`);
        const origin = await chatOrigin(context);
        const ticket = await tracker.create(
          { title, body: reportMarkdown(context.event.text, origin, notes), ...(kind ? { kind } : {}), ...(priority ? { priority } : {}) },
          context,
        );
        // The thread follows the ticket: its conversation reports back here when it changes.
        await context.followers?.follow(ticket.conversationKey);
        return { filed: ticket.id, title: ticket.title, url: ticket.url, labels: ticket.labels, ...(ticket.priority ? { priority: ticket.priority } : {}) };
      },
    }),

    add_to_ticket: defineTool({
      name: "add_to_ticket",
      channel: platform,
      description:
        "Add the report, as a comment quoting it with a link back to this thread, to an existing ticket that looks like the same " +
        "problem (search_issues' duplicate), once a person approves. Nothing new is filed.",
      inputSchema: z.object({
        ticket: z.string().min(2).describe("The ticket's id as search_issues gave it, e.g. acme/app#123 or ENG-42."),
        title: z.string().max(200).optional(),
        state: z.string().max(40).optional(),
      }),
      needsApproval: true,
      describeCall: ({ ticket, title, state }) =>
        `add this report to ${ticket}${title ? ` “${title}”` : ""}${state ? ` (${state})` : ""}, which looks like the same problem`,
      async execute({ ticket: id }, context) {
        const tracker = trackerOf(context);
        const origin = await chatOrigin(context);
        const { ticket, url } = await tracker.comment(id, reportMarkdown(context.event.text, origin, "The same problem, reported again in chat."), context);
        await context.followers?.follow(ticket.conversationKey);
        return { added: ticket.id, title: ticket.title, state: ticket.state, url: url ?? ticket.url };
      },
    }),
  };
}
