// The commands that call the Worker's operator endpoint (src/operator.ts): inspect, rerun, and
// Discord's Gateway start/stop/status. All of them send ADMIN_TOKEN and nothing else secret.
import { OPERATOR_PATH } from "../../src/operator.ts";
import type { ConversationReport } from "../../src/runtime/conversation.ts";
import { table } from "../output.ts";
import { CliError, requireVariable, UsageError, type Variables } from "../project.ts";

export interface OperatorTarget {
  readonly to: string;
  readonly variables: Variables;
}

export class OperatorError extends CliError {
  override name = "OperatorError";
}

/** One call to the operator endpoint; the Worker's refusal explained in the operator's terms. */
export async function callOperator(target: OperatorTarget, method: "GET" | "POST", path: string): Promise<unknown> {
  const token = requireVariable(target.variables, "ADMIN_TOKEN", "it must equal the Worker's ADMIN_TOKEN secret (against `npm run dev`, add --dev)");
  const url = `${target.to}${OPERATOR_PATH}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new OperatorError(`could not reach ${target.to}: ${causeOf(error)}`);
  }
  const body = (await response.json().catch(() => null)) as { error?: string; problems?: string[] } | null;
  if (response.ok) return body;
  switch (response.status) {
    case 401:
      throw new OperatorError(`${target.to} refused ADMIN_TOKEN (401): the token from ${target.variables.source} or the environment is not the Worker's`);
    case 404:
      throw new OperatorError(
        body?.error && body.error !== "not found"
          ? `${body.error} (404)`
          : `${target.to} has no operator endpoint (404): set the ADMIN_TOKEN secret on the Worker (npx wrangler secret put ADMIN_TOKEN)`,
      );
    default:
      throw new OperatorError(`${target.to} answered ${response.status}: ${body?.error ?? "no reason given"}${body?.problems ? ` (${body.problems.join("; ")})` : ""}`);
  }
}

export async function inspectConversation(target: OperatorTarget, key: string, options: { content: boolean }): Promise<ConversationReport> {
  const query = options.content ? "?content=true" : "";
  return (await callOperator(target, "GET", `/conversations/${encodeURIComponent(key)}${query}`)) as ConversationReport;
}

/** The report as an operator reads it; message text appears only when the report carries it (--content). */
export function formatReport(report: ConversationReport): string {
  const { counts } = report;
  const lines = [
    `Conversation ${report.conversationKey}`,
    `  agent     ${report.agent ?? "(none yet: no event accepted)"}`,
    `  replied   ${report.participated ? "yes" : "no"}`,
    `  turns     ${counts.done} done, ${counts.failed} failed, ${counts.pending} pending, ${counts.parked} waiting for approval`,
    `  history   ${report.historyMessages} messages kept for the model`,
    `  usage     today ${tokens(report.usage.today)}; this month ${tokens(report.usage.kept)}`,
    "",
  ];
  if (report.inbox.length === 0) lines.push("Inbox: empty");
  else {
    lines.push("Inbox (newest first)");
    lines.push(
      table(
        ["seq", "delivery", "status", "attempts", "received", "error"],
        report.inbox.map((row) => [String(row.seq), row.dedupeId, row.status, String(row.attempts), new Date(row.receivedAt).toISOString(), row.error ?? ""]),
      ),
    );
  }
  for (const turn of report.failedTurns) {
    lines.push("", `Failed turn ${turn.seq} (${turn.kind ?? "event"}, delivery ${turn.dedupeId}), ${turn.attempts} attempt(s): ${turn.error ?? "no error recorded"}`);
    if (turn.text !== undefined) lines.push(`  text: ${turn.text}`);
    if (turn.journal.length === 0) lines.push("  journal: no step recorded");
    else
      lines.push(
        table(
          ["step", "kind", "name", "finished", ...(turn.journal.some((step) => step.output !== undefined) ? ["output"] : [])],
          turn.journal.map((step) => [String(step.step), step.kind, step.name, step.finished ? "yes" : "no (in flight)", ...(step.output !== undefined ? [step.output] : [])]),
        )
          .split("\n")
          .map((line) => `  ${line}`)
          .join("\n"),
      );
    lines.push(`  re-run it: npx switchboard rerun '${report.conversationKey}' ${turn.seq}`);
  }
  if (report.history) {
    lines.push("", "History (oldest first)");
    for (const message of report.history) lines.push(`  ${message.role}: ${message.text}`);
  }
  return lines.join("\n");
}

export async function rerunTurn(target: OperatorTarget, key: string, seq: string): Promise<string> {
  if (!/^\d+$/.test(seq) || Number(seq) < 1) throw new UsageError(`${seq}: the turn's seq is a positive integer (see inspect)`);
  await callOperator(target, "POST", `/conversations/${encodeURIComponent(key)}/turns/${seq}/rerun`);
  return `Turn ${seq} of ${key} is back in its inbox; inspect the conversation to see it finish.`;
}

export type GatewayAction = "start" | "stop" | "status";

export async function discordGateway(target: OperatorTarget, action: GatewayAction): Promise<Record<string, unknown>> {
  return (await callOperator(target, action === "status" ? "GET" : "POST", `/discord/gateway/${action}`)) as Record<string, unknown>;
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
}

function tokens(spent: { inputTokens: number; outputTokens: number; usd: number }): string {
  return `${spent.inputTokens.toLocaleString("en")} in + ${spent.outputTokens.toLocaleString("en")} out tokens, $${spent.usd.toFixed(4)}`;
}
