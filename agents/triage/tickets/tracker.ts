import type { EffectContext } from "../../../src/channel.ts";

/** A ticket as a tracker shows it: enough to name it in chat, rank it, and follow its conversation. */
export interface Ticket {
  /** How people name it: `acme/app#123`, `ENG-42`. */
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly url: string;
  /** The tracker's own word for its state: `open`, `closed`, `Todo`, `Done`. */
  readonly state: string;
  readonly open: boolean;
  /** The ticket's own conversation (`github:acme/app#123`, `linear:<issue id>`), which the chat thread follows. */
  readonly conversationKey: string;
}

/** What a ticket is filed with; labels and priority where the tracker has them. */
export interface NewTicket {
  readonly title: string;
  readonly body: string;
  /** The report's kind, mapped onto one of the tracker's existing labels (never a new one). */
  readonly kind?: "bug" | "feature" | "question";
  readonly priority?: "urgent" | "high" | "medium" | "low";
}

/**
 * A GitHub repository or a Linear team, as the ticket tools use it. Each side effect happens
 * exactly once per `effect.idempotencyKey`: with `effect.replay` the tracker first looks for what
 * an earlier attempt made (a hidden marker on GitHub, a client-chosen id on Linear).
 */
export interface Tracker {
  /** `github:acme/app`, `linear:ENG`: what TICKET_TRACKERS names. */
  readonly name: string;
  /** Candidates for a duplicate of `report`, in the tracker's own relevance order. */
  search(report: { title: string; body: string }): Promise<Ticket[]>;
  create(ticket: NewTicket, effect: EffectContext): Promise<Ticket & { labels: string[]; priority?: string }>;
  /** Comments `markdown` on one of this tracker's tickets (`acme/app#123`, `ENG-42`). */
  comment(ticketId: string, markdown: string, effect: EffectContext): Promise<{ ticket: Ticket; url?: string }>;
}

/** Words that say a tracker could not be reached or used; the model is told, and the turn goes on. */
export class TrackerUnavailable extends Error {
  override name = "TrackerUnavailable";
}

/** The few longest distinct words of a report: a keyword search finds candidates, similarity ranks them. */
export function keywords(text: string, count: number): string[] {
  const words = text
    .toLowerCase()
    .replace(/https?:\/\/\S+/g, " ")
    .match(/[\p{L}][\p{L}\p{N}_'-]{3,}/gu) ?? [];
  const unique = [...new Set(words.map((word) => word.replace(/^'+|'+$/g, "")))].filter((word) => !COMMON.has(word));
  // Longer words are rarer, so they narrow the search best; ties keep the report's order.
  return unique
    .map((word, index) => ({ word, index }))
    .sort((a, b) => b.word.length - a.word.length || a.index - b.index)
    .slice(0, count)
    .map(({ word }) => word);
}

/** Frequent words that would match nearly every ticket. */
const COMMON = new Set(
  "this that with from have when what where which there their they them then than into also just only does doesn't dont don't after before since today about would could should because while being been were will your ours mine please thanks hello here some".split(
    " ",
  ),
);
