import {
  classifyIssue,
  detectMissingInfo,
  isConfident,
  mapLabelToRepositoryLabel,
  type IssueLabel,
} from "./classifier/index.ts";
import { chatReport } from "./tickets/similarity.ts";
import { describeVerdict } from "./sandbox-verdict.ts";
import { findSnippet, snippetImports } from "../../src/sandbox/snippet.ts";
import { defineEmbeddedModel, type EmbeddedDecision, type EmbeddedTurn, type PromptEvent, type ToolOutcome } from "../../src/index.ts";

/**
 * The default model: deterministic, offline, no key. It is not a language model; it drives
 * the same tool loop a real one would (list labels → add labels → answer), deciding each step
 * from the trained issue classifier and the tool results already in the prompt.
 */
export const embeddedModel = defineEmbeddedModel("embedded-triage", decide);

const ISSUE_KINDS = new Set(["issue_opened", "issue_reopened", "issue_assigned", "assigned"]);
/** Channels whose conversations are tickets: chat threads follow them. */
const TRACKER_CHANNELS = new Set(["github", "linear"]);
/** Channels where people report problems in chat, to be filed as tickets. */
const CHAT_CHANNELS = new Set(["slack", "discord"]);

async function decide(turn: EmbeddedTurn): Promise<EmbeddedDecision> {
  const { event, results, history, need } = turn;
  // A ticket's own conversation: what happens to it is told to the chat threads following it,
  // and the ticket itself hears nothing from the bot unless someone asks it something.
  if (TRACKER_CHANNELS.has(event.channel) && (event.kind === "issue_closed" || (event.kind === "comment" && !event.addressedToBot))) {
    if (need("report_back")) return { tool: "report_back", input: {} };
    const followers = valueOf(results, "report_back", "followers");
    if (event.kind === "issue_closed" || (typeof followers === "number" && followers > 0)) return { text: "" };
  }
  if (results.has("search_issues") || results.has("file_ticket") || results.has("add_to_ticket")) return fileOrAdd(turn);
  // A slash command has no thread to ask for approval in: it is answered, not filed.
  if (CHAT_CHANNELS.has(event.channel) && event.addressedToBot && event.kind !== "command" && need("search_issues") && !ticketInThread(history) && fileable(event.text)) {
    return { say: "Let me look into this. ", tool: "search_issues", input: {} };
  }
  if (ISSUE_KINDS.has(event.kind) || (event.title && history.length === 0)) {
    // A report with a JavaScript or TypeScript snippet: the repository files it imports are
    // loaded (where the channel can), then it runs in the sandbox.
    const snippet = ISSUE_KINDS.has(event.kind) ? await findSnippet(event.text) : null;
    if (snippet) {
      const imports = await snippetImports(snippet);
      if (imports.length > 0 && need("load_repository_files")) return { tool: "load_repository_files", input: { paths: imports.slice(0, 20) } };
      if (need("run_snippet")) return { tool: "run_snippet", input: { code: snippet.code, language: snippet.language } };
    }
    if (need("list_labels")) return { tool: "list_labels", input: {} };
    const triage = triageIssue(event, results.get("list_labels"));
    if (need("add_labels") && triage.labels.length > 0) return { tool: "add_labels", input: { labels: triage.labels } };
    // Channels with a priority field (Linear) get one for confident bug reports.
    if (need("set_priority") && triage.priority) return { tool: "set_priority", input: { priority: triage.priority } };
    return { text: triage.comment(appliedLabels(results), appliedPriority(results), results.get("run_snippet")) };
  }
  return { text: answerFollowUp(event, history) };
}

const CATEGORY_NAMES: Record<IssueLabel | "docs", string> = {
  bug: "bug report",
  feature: "feature request",
  question: "question",
  docs: "documentation issue",
};

function triageIssue(event: PromptEvent, labelsResult: ToolOutcome | undefined) {
  const title = event.title ?? "";
  const classified = classifyIssue({ title, body: event.text });
  const confident = isConfident(classified);
  const docs = looksLikeDocumentation(title);
  const repoLabels = labelsResult?.ok && Array.isArray(labelsResult.value) ? labelsResult.value.map(String) : [];
  const existing = new Set((event.labels ?? []).map((label) => label.toLowerCase()));
  const proposed: string[] = [];
  if (confident) {
    const mapped = mapLabelToRepositoryLabel(classified.label, repoLabels);
    if (mapped) proposed.push(mapped);
  }
  if (docs) {
    const docsLabel = repoLabels.find((label) => /^(docs?|documentation)$/i.test(label.replace(/^[^a-z]+/i, "")));
    if (docsLabel) proposed.push(docsLabel);
  }
  const labels = proposed.filter((label) => !existing.has(label.toLowerCase()));
  // A crash or stack trace is High; any other confident bug report is Medium.
  const crash = /\b(crash(es|ed)?|panic|segfault|exception|traceback)\b|\w+Error\b|^\s+at\s.+:\d+/im.test(`${title}\n${event.text}`);
  const priority = confident && classified.label === "bug" ? (crash ? "high" : "medium") : null;
  const missing = classified.label === "bug" ? detectMissingInfo({ title, body: event.text }) : [];

  return {
    labels,
    priority,
    comment(applied: readonly string[], priority?: string, sandbox?: ToolOutcome): string {
      const percent = Math.round(classified.confidence * 100);
      const lines: string[] = [];
      if (confident) {
        const category = docs ? `${CATEGORY_NAMES[classified.label]} about documentation` : CATEGORY_NAMES[classified.label];
        lines.push(`**Triage:** this looks like a ${category} (confidence ${percent}%).`);
      } else {
        lines.push(
          `**Triage:** I can't tell confidently whether this is a bug report, a feature request or a question ` +
            `(best guess: ${CATEGORY_NAMES[classified.label]}, ${percent}%), so I have not labelled it.`,
          "",
          "Could you clarify what you expected to happen, what happened instead, or what you would like to be able to do?",
        );
      }
      if (classified.reasons.length > 0) lines.push("", `Why: ${classified.reasons.join("; ")}.`);
      if (sandbox) lines.push("", ...describeVerdict(sandbox));
      if (missing.length > 0) {
        lines.push("", "To help someone pick this up, please add:", ...missing.map((item) => `- ${item}`));
      }
      if (applied.length > 0) lines.push("", `Labels applied: ${applied.map((label) => `\`${label}\``).join(", ")}`);
      if (priority) lines.push("", `Priority set: ${priority}`);
      else if (confident && repoLabels.length > 0 && labels.length === 0 && proposed.length === 0) {
        lines.push("", `No existing label matches "${classified.label}", so I left the labels alone.`);
      }
      return lines.join("\n");
    },
  };
}

/** A chat message worth filing: a confident bug report or feature request (questions are answered, not filed). */
function fileable(text: string): boolean {
  const classified = classifyIssue(chatReport(text));
  return isConfident(classified) && classified.label !== "question";
}

/** Said once a ticket was filed from this thread, or the report added to one: the thread has its ticket. */
const FILED = /^(Filed|Added your report to) \*\*/m;
function ticketInThread(history: readonly string[]): boolean {
  return history.some((answer) => FILED.test(answer));
}

/**
 * Chat → ticket: after the tracker search, offer to add the report to a likely duplicate, or
 * else to file it (both wait for a person's approval), then say what happened.
 */
function fileOrAdd({ event, results, need }: EmbeddedTurn): EmbeddedDecision {
  const search = results.get("search_issues");
  const report = chatReport(event.text);
  const classified = classifyIssue(report);
  const missing = classified.label === "bug" ? detectMissingInfo(report) : [];
  const asks = missing.length > 0 ? ["", "To help someone pick this up, please add here:", ...missing.map((item) => `- ${item}`)] : [];
  const found = search?.ok ? (search.value as { tracker: string | null; duplicate: { id: string; title: string; state: string; url: string; similarity: number } | null }) : null;
  if (!found?.tracker) {
    // No tracker for this channel: triage the message as before; a failed search is said.
    const verdict = answerFollowUp(event, []);
    return { text: search && !search.ok ? `${verdict}

I could not search the tracker: ${search.error}` : verdict };
  }
  const duplicate = found.duplicate;
  if (duplicate && need("add_to_ticket")) return { tool: "add_to_ticket", input: { ticket: duplicate.id, title: duplicate.title, state: duplicate.state } };
  if (!duplicate && need("file_ticket")) {
    const crash = /\b(crash(es|ed)?|panic|exception)\b|\w+Error\b/i.test(event.text);
    const percent = Math.round(classified.confidence * 100);
    const notes = [
      `**Triage:** ${CATEGORY_NAMES[classified.label]} (confidence ${percent}%)${classified.reasons.length ? `: ${classified.reasons.join("; ")}` : ""}.`,
      ...(missing.length ? [`**Missing:** ${missing.join(", ")}.`] : []),
    ].join("\n");
    return {
      tool: "file_ticket",
      input: {
        tracker: found.tracker,
        title: report.title,
        kind: classified.label,
        ...(classified.label === "bug" ? { priority: crash ? "high" : "medium" } : {}),
        notes,
      },
    };
  }
  const added = results.get("add_to_ticket");
  if (added) {
    if (!added.ok) return { text: `I did not add this to ${duplicate?.id ?? "the ticket"}: ${added.error}` };
    const ticket = added.value as { added: string; title: string; state: string; url: string };
    return { text: [`Added your report to **${ticket.added}** “${ticket.title}” (${ticket.state}): ${ticket.url}`, "I'll post here when it changes.", ...asks].join("\n") };
  }
  const filed = results.get("file_ticket");
  if (filed && !filed.ok) return { text: `Not filed: ${filed.error}` };
  const ticket = filed?.value as { filed: string; title: string; url: string; labels?: string[]; priority?: string } | undefined;
  if (!ticket) return { text: answerFollowUp(event, []) };
  const details = [ticket.labels?.length ? `labels ${ticket.labels.map((l) => `\`${l}\``).join(", ")}` : "", ticket.priority ? `priority ${ticket.priority}` : ""].filter(Boolean);
  return {
    text: [`Filed **${ticket.filed}** “${ticket.title}”: ${ticket.url}${details.length ? ` (${details.join(", ")})` : ""}`, "I'll post here when it is closed.", ...asks].join("\n"),
  };
}

function valueOf(results: ReadonlyMap<string, ToolOutcome>, tool: string, field: string): unknown {
  const outcome = results.get(tool);
  return outcome?.ok && typeof outcome.value === "object" && outcome.value !== null ? (outcome.value as Record<string, unknown>)[field] : undefined;
}

function looksLikeDocumentation(title: string): boolean {
  return /\b(docs?|documentation|readme|typo|tutorial)\b/i.test(title);
}

function appliedPriority(results: ReadonlyMap<string, ToolOutcome>): string | undefined {
  const outcome = results.get("set_priority");
  if (!outcome?.ok || typeof outcome.value !== "object" || outcome.value === null) return undefined;
  const priority = (outcome.value as { priority?: unknown }).priority;
  return typeof priority === "string" ? priority : undefined;
}

function appliedLabels(results: ReadonlyMap<string, ToolOutcome>): string[] {
  const outcome = results.get("add_labels");
  if (!outcome?.ok || typeof outcome.value !== "object" || outcome.value === null) return [];
  const added = (outcome.value as { added?: unknown }).added;
  return Array.isArray(added) ? added.map(String) : [];
}

function answerFollowUp(event: PromptEvent, history: readonly string[]): string {
  const question = event.text.trim();
  const earlier = history.at(-1);
  // A message that asks about the bot's earlier answer is a follow-up; anything else is a new
  // request, triaged on its own even in a conversation with history.
  const followUp = /\b(why|reason|explain|earlier|you said|that label)\b/i.test(question);
  if (!earlier || !followUp) {
    const classified = classifyIssue({ title: question.split("\n")[0] ?? question, body: question });
    const percent = Math.round(classified.confidence * 100);
    const verdict = isConfident(classified)
      ? `This reads like a ${CATEGORY_NAMES[classified.label]} (${percent}%): ${classified.reasons.join("; ")}.`
      : `I can't classify this confidently (best guess: ${CATEGORY_NAMES[classified.label]}, ${percent}%). Could you say more?`;
    return verdict;
  }
  const lines = [`Following up on my earlier note in this conversation:`, "", ...quote(earlier)];
  if (/\bwhy\b|\breason/i.test(question)) {
    const why = earlier.split("\n").find((line) => line.startsWith("Why:"));
    lines.push("", why ? `My reasons were: ${why.slice(4).trim()}` : "I did not record reasons for that.");
  }
  lines.push(
    "",
    "I'm the embedded offline triage model, so I can classify and label but not hold a conversation; " +
      "set `MODEL` to a language model provider for free-form answers.",
  );
  return lines.join("\n");
}

function quote(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("<!--"))
    .slice(0, 6)
    .map((line) => `> ${line}`);
}
