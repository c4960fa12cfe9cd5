import { z } from "zod";
import { defineTool, type NormalizedEvent, type Tool } from "../../../src/index.ts";

/** GitHub's author associations of people with write access to the repository or in its organization. */
const MAINTAINER_ASSOCIATIONS = new Set(["association:OWNER", "association:MEMBER", "association:COLLABORATOR"]);

/** How people name the ticket: `acme/app#123` from its conversation, `ENG-42` from its URL. */
function ticketName(event: NormalizedEvent): string {
  if (event.channel === "github") return event.conversationKey.replace(/^github:/, "");
  return /\/issue\/([A-Z][A-Z0-9]*-\d+)/.exec(event.url ?? "")?.[1] ?? "the ticket";
}

/** Whoever wrote this may speak for the ticket: write access or organization membership on GitHub, a Linear workspace member. */
function maintainer(event: NormalizedEvent): boolean {
  if (event.actor.isBot || event.actor.isSelf) return false;
  if (event.channel === "github") return (event.actor.roles ?? []).some((role) => MAINTAINER_ASSOCIATIONS.has(role));
  return event.channel === "linear";
}

/** One short line for the chat thread, or why this event is not worth one. */
export function ticketUpdate(event: NormalizedEvent): { text: string } | { skip: string } {
  const name = ticketName(event);
  const title = event.title ? ` “${event.title}”` : "";
  const link = event.url ? ` ${event.url}` : "";
  const by = event.channel === "github" ? `@${event.actor.name}` : event.actor.name;
  if (event.kind === "issue_closed") return { text: `**${name}**${title} was ${event.text || "closed"} by ${by}.${link}` };
  if (event.kind === "comment" && maintainer(event)) {
    const excerpt = event.text.trim().replace(/\s+/g, " ");
    const quoted = excerpt.length > 280 ? `${excerpt.slice(0, 277).replace(/\s+\S*$/, "")}…` : excerpt;
    return { text: `${by} commented on **${name}**${title}:\n> ${quoted}\n${link.trim()}`.trim() };
  }
  return { skip: event.kind === "comment" ? "the comment is not a maintainer's" : `a ${event.kind} event changes nothing the thread waits for` };
}

/**
 * Tells the chat threads that follow a ticket (it was filed, or a report was added to it, from
 * there) what just happened to it: closed, completed or canceled, or a maintainer's comment. Once
 * per change: each post is keyed by the webhook's delivery id and carries the thread's own marker.
 */
export function reportBackTool(channel: "github" | "linear"): Tool {
  return defineTool({
    name: "report_back",
    channel,
    description:
      "Tell the chat threads this ticket came from what just happened to it, when it matters to them (closed, completed, " +
      "canceled, or a maintainer commented). Returns how many threads follow the ticket and how many were told.",
    inputSchema: z.object({}),
    async execute(_input, context) {
      const followers = context.followers?.list() ?? [];
      if (followers.length === 0) return { followers: 0, told: 0 };
      const update = ticketUpdate(context.event);
      if ("skip" in update) return { followers: followers.length, told: 0, skipped: update.skip };
      let told = 0;
      for (const [index, follower] of followers.entries()) {
        await context.followers!.tell(follower, update.text, { idempotencyKey: `${context.idempotencyKey}:follower-${index}`, replay: context.replay });
        told++;
      }
      return { followers: followers.length, told };
    },
  });
}
