import { z } from "zod";
import { defineEmbeddedModel, type EmbeddedDecision, type EmbeddedTurn, type PromptEvent, type ToolOutcome } from "../../src/index.ts";
import { findingsFor, type PullRequestChange } from "./findings/index.ts";
import { findingsIn, renderReview, REVIEW_HEADING } from "./review.ts";
import { sizeLabel, sizeOf } from "./size.ts";

/**
 * The reviewer's default model: deterministic, offline, no key. It drives the tool loop a real
 * model would (files → labels → size label → review comment) and finds what it reports with the
 * rules in findings/, which read the patches the files tool returned.
 */
export const embeddedModel = defineEmbeddedModel("embedded-reviewer", decide);

const REVIEW_KINDS = new Set(["pr_opened", "pr_ready_for_review"]);
/** A comment that asks for the review to be done again (after new commits, say). */
const ASKS_FOR_REVIEW = /\b(re-?review|review (it |this )?again|check (it |this )?again|look again|re-?check)\b/i;

async function decide({ event, results, history, need }: EmbeddedTurn): Promise<EmbeddedDecision> {
  const earlier = history.findLast((answer) => answer.startsWith(REVIEW_HEADING));
  if (!REVIEW_KINDS.has(event.kind)) {
    // People discussing a pull request among themselves get no reply: an empty answer posts nothing.
    if (!event.addressedToBot) return { text: "" };
    if (earlier && !ASKS_FOR_REVIEW.test(event.text)) return { text: followUp(earlier) };
  }

  if (need("list_pull_request_files")) return { tool: "list_pull_request_files", input: {} };
  if (need("list_labels")) return { tool: "list_labels", input: {} };
  const { change, note, error } = readChange(event, results.get("list_pull_request_files"));
  const size = sizeOf(change.additions + change.deletions);
  const label = sizeLabel(size, stringsIn(results.get("list_labels")));
  const present = new Set((event.labels ?? []).map((name) => name.toLowerCase()));
  if (need("add_labels") && !present.has(label.toLowerCase())) return { tool: "add_labels", input: { labels: [label] } };
  return {
    text: renderReview({
      change,
      size,
      findings: await findingsFor(change),
      ...(note ? { note } : {}),
      ...(error ? { filesError: error } : {}),
      labelsApplied: applied(results.get("add_labels")),
    }),
  };
}

const FilesResult = z.object({
  files: z.array(
    z.object({
      filename: z.string(),
      status: z.string(),
      additions: z.number(),
      deletions: z.number(),
      previous_filename: z.string().optional(),
      patch: z.string().optional(),
      patch_note: z.string().optional(),
    }),
  ),
  note: z.string().optional(),
});

/** The pull request from the files tool's result, sized by the webhook's figures when it had them. */
function readChange(event: PromptEvent, outcome: ToolOutcome | undefined): { change: PullRequestChange; note?: string; error?: string } {
  const parsed = outcome?.ok ? FilesResult.safeParse(outcome.value) : undefined;
  const files = parsed?.success ? parsed.data.files : [];
  const sum = (pick: (file: (typeof files)[number]) => number) => files.reduce((total, file) => total + pick(file), 0);
  const change: PullRequestChange = {
    files,
    additions: event.changes?.additions ?? sum((file) => file.additions),
    deletions: event.changes?.deletions ?? sum((file) => file.deletions),
    changedFiles: Math.max(event.changes?.changedFiles ?? 0, files.length),
  };
  if (!outcome) return { change, error: "the files tool is not available here" };
  if (!outcome.ok) return { change, error: outcome.error };
  if (!parsed?.success) return { change, error: "the files tool answered in a shape I do not know" };
  return parsed.data.note ? { change, note: parsed.data.note } : { change };
}

/** Restates the earlier review: the embedded model cannot discuss it, but it can say what it found. */
function followUp(earlier: string): string {
  const summary = earlier.split("\n")[0]!.slice(REVIEW_HEADING.length).trim();
  const findings = findingsIn(earlier);
  const lines = [`Following up on my review of this pull request (${summary.replace(/\.$/, "")}):`, ""];
  if (findings.length > 0) lines.push("What I found:", ...findings);
  else lines.push("I found nothing to flag: no secret in the added lines, no missing tests, no migration, not lockfile- or generated-only, not a very large diff.");
  lines.push(
    "",
    "I'm the embedded offline reviewer, so I can check a pull request but not discuss it: mention me with “review again” " +
      "after pushing changes, or set `MODEL` to a language model provider for free-form answers.",
  );
  return lines.join("\n");
}

function stringsIn(outcome: ToolOutcome | undefined): string[] {
  return outcome?.ok && Array.isArray(outcome.value) ? outcome.value.map(String) : [];
}

function applied(outcome: ToolOutcome | undefined): string[] {
  if (!outcome?.ok || typeof outcome.value !== "object" || outcome.value === null) return [];
  const added = (outcome.value as { added?: unknown }).added;
  return Array.isArray(added) ? added.map(String) : [];
}
