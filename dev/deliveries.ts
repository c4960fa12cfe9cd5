// What platforms sent to the Worker, kept so it can be sent again (`switchboard replay`). The
// playground and the dev tools record each delivery they post in the emulator's control API
// (`/_emulator/deliveries`); a saved file has the same shape. Signatures are not kept: replay
// signs again with the secret it is configured with, as the platform would.
import { z } from "zod";

/** Headers that carry a signature or its timestamp: dropped when stored, made anew on replay. */
export const SIGNATURE_HEADERS = new Set([
  "x-hub-signature-256",
  "x-hub-signature",
  "x-slack-signature",
  "x-slack-request-timestamp",
  "linear-signature",
  "x-signature-ed25519",
  "x-signature-timestamp",
]);

export const StoredDelivery = z.object({
  /** The platform's delivery id (X-GitHub-Delivery, Slack's event_id, Linear-Delivery, the interaction id). */
  id: z.string().min(1).max(200).optional(),
  /** The channel it was sent to ("github", "slack", "linear", "discord"). */
  platform: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "must be a channel's name, e.g. github"),
  /** The Worker path; by default the channel's first webhook route. */
  path: z.string().startsWith("/").optional(),
  /** The platform's other headers (event name, delivery id, content type), by lower-case name. */
  headers: z.record(z.string(), z.string()).default({}),
  /** The exact text sent, or a JSON value (sent as JSON.stringify writes it). */
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]),
  /** The Worker's HTTP answer when it was first sent. */
  status: z.number().int().optional(),
  /** When it was first sent (ISO). */
  at: z.string().optional(),
});
export type StoredDelivery = z.infer<typeof StoredDelivery>;

export function bodyText(delivery: Pick<StoredDelivery, "body">): string {
  return typeof delivery.body === "string" ? delivery.body : JSON.stringify(delivery.body);
}

/** The platform's own id for a delivery, where it puts one. */
export function deliveryId(platform: string, headers: Readonly<Record<string, string>>, body: string): string | undefined {
  const json = parse(body);
  switch (platform) {
    case "github":
      return headers["x-github-delivery"];
    case "linear":
      return headers["linear-delivery"] ?? stringField(json, "webhookId");
    case "slack":
      return stringField(json, "event_id") ?? stringField(parse(new URLSearchParams(body).get("payload") ?? ""), "trigger_id") ?? new URLSearchParams(body).get("trigger_id") ?? undefined;
    case "discord":
      return stringField(json, "id");
    default:
      return undefined;
  }
}

/** Keeps a copy of what was posted to the Worker; recording never fails the sending. */
export async function recordDelivery(emulatorUrl: string, sent: { platform: string; path: string; headers: Readonly<Record<string, string>>; body: string; status: number }): Promise<void> {
  const headers = Object.fromEntries(Object.entries(sent.headers).map(([name, value]) => [name.toLowerCase(), value]).filter(([name]) => !SIGNATURE_HEADERS.has(name!)));
  const id = deliveryId(sent.platform, headers, sent.body);
  const delivery: StoredDelivery = { ...(id ? { id } : {}), platform: sent.platform, path: sent.path, headers, body: sent.body, status: sent.status };
  await fetch(`${emulatorUrl}/_emulator/deliveries`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(delivery) }).catch(() => undefined);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stringField(value: unknown, key: string): string | undefined {
  const field = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return typeof field === "string" && field !== "" ? field : undefined;
}
