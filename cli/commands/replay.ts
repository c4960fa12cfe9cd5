// `switchboard replay`: sends a stored delivery to the Worker again, signed anew with the
// configured secret. The Worker deduplicates by the platform's delivery id, so a replay of a
// delivery it already has is answered `duplicate` and starts no second turn.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { channels } from "../../channels/index.ts";
import { bodyText, SIGNATURE_HEADERS, StoredDelivery } from "../../dev/deliveries.ts";
import { describeIssues } from "../../src/config.ts";
import { CliError, UsageError, type Variables } from "../project.ts";
import { signers, SigningError } from "../signers.ts";

export class ReplayError extends CliError {
  override name = "ReplayError";
}

export interface ReplayOptions {
  readonly file?: string;
  readonly delivery?: string;
  readonly emulator: string;
  readonly to: string;
  readonly variables: Variables;
}

/** Replays one delivery; resolves with the lines to print, or throws a ReplayError the operator can act on. */
export async function replay(options: ReplayOptions): Promise<string> {
  if (Boolean(options.file) === Boolean(options.delivery)) throw new UsageError("give a delivery file or --delivery ID (one of them)");
  const stored = options.file ? readFile(options.file) : await fromEmulator(options.emulator, options.delivery!);
  const channel = channels.find((candidate) => candidate.name === stored.platform);
  if (!channel) throw new ReplayError(`no channel named ${stored.platform}; this Worker has ${channels.map((known) => known.name).join(", ")}`);
  const path = stored.path ?? channel.routes[0]!.path;
  if (!channel.routes.some((route) => route.path === path)) {
    throw new ReplayError(`${path} is not a ${channel.name} webhook route (${channel.routes.map((route) => route.path).join(", ")})`);
  }
  const sign = signers[channel.name];
  if (!sign) throw new ReplayError(`no signer for ${channel.name} yet: add one to cli/signers.ts`);
  const headers = Object.fromEntries(Object.entries(stored.headers).map(([name, value]) => [name.toLowerCase(), value]).filter(([name]) => !SIGNATURE_HEADERS.has(name!)));
  let signed;
  try {
    signed = await sign(bodyText(stored), headers, options.variables);
  } catch (error) {
    if (error instanceof SigningError) throw new ReplayError(error.message);
    throw error;
  }
  let response: Response;
  try {
    response = await fetch(`${options.to}${path}`, { method: "POST", headers: signed.headers, body: signed.body });
  } catch (error) {
    throw new ReplayError(`could not reach ${options.to}: ${error instanceof Error ? String((error.cause as NodeJS.ErrnoException | undefined)?.code ?? error.message) : String(error)}`);
  }
  const answer = summarize(await response.json().catch(() => null));
  const lines = [...signed.notes.map((note) => `note: ${note}`), `POST ${path} → ${response.status} ${answer}`];
  if (!response.ok) throw new ReplayError(lines.join("\n"));
  return lines.join("\n");
}

function readFile(file: string): StoredDelivery {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(process.cwd(), file), "utf8"));
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof SyntaxError ? "not JSON" : "cannot be read"}`);
  }
  const parsed = StoredDelivery.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${file}: ${describeIssues(parsed.error).join("; ")}`);
  return parsed.data;
}

async function fromEmulator(emulator: string, id: string): Promise<StoredDelivery> {
  const base = emulator.replace(/\/+$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}/_emulator/deliveries/${encodeURIComponent(id)}`);
  } catch {
    throw new ReplayError(`could not reach the emulator at ${base} (is npm run dev running?)`);
  }
  if (response.status === 404) {
    const recent = ((await (await fetch(`${base}/_emulator/deliveries`)).json()) as { id: string; platform: string }[]).slice(0, 5);
    throw new ReplayError(`the emulator has no delivery ${id}${recent.length ? `; the latest: ${recent.map((known) => `${known.id} (${known.platform})`).join(", ")}` : ""}`);
  }
  return StoredDelivery.parse(await response.json());
}

/**
 * The Worker's answer in a line: its status, conversation and delivery id, or the reason it
 * ignored or refused the delivery. Anything else the answer holds is left out: a platform's
 * acknowledgement may quote the message.
 */
function summarize(body: unknown): string {
  if (body === null || typeof body !== "object") return "";
  const { status, conversationKey, dedupeId, reason, error, type } = body as Record<string, unknown>;
  const outcome = status ?? error ?? (type !== undefined ? `interaction response type ${String(type)}` : "");
  const where = [conversationKey ? `conversation ${String(conversationKey)}` : "", dedupeId ? `delivery ${String(dedupeId)}` : ""].filter(Boolean).join(", ");
  return `${String(outcome)}${where ? `: ${where}` : ""}${reason ? ` (${String(reason)})` : ""}`;
}
