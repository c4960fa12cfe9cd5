import { z } from "zod";
import type { Interpretation } from "./channel.ts";

export type Malformed = Extract<Interpretation, { type: "malformed" }>;

/** The first few failures are enough to find the field, and keep a 400's body small. */
const ISSUES_REPORTED = 3;
/** Record keys in a path are the sender's; a long one is cut so the reason stays readable. */
const SEGMENT_CHARS = 40;

/**
 * A payload that failed its schema, as a 400 whose reason names each field and what was
 * expected: "data.options: Invalid input: expected array, received string". zod's messages
 * name the expected type or values, never the value received, so nothing is echoed back.
 */
export function malformed(error: z.ZodError): Malformed {
  const issues = error.issues.slice(0, ISSUES_REPORTED).map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
  const more = error.issues.length - issues.length;
  return { type: "malformed", reason: issues.join("; ") + (more > 0 ? ` (and ${more} more)` : "") };
}

/** `["data", "options", 0]` → "data.options.0"; the payload itself is "body". */
function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "body";
  return path.map((segment) => String(segment).slice(0, SEGMENT_CHARS)).join(".");
}

/** The body as JSON, or a 400 that says the body is not JSON. */
export function parseJsonBody(text: string): { ok: true; value: unknown } | { ok: false; malformed: Malformed } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, malformed: { type: "malformed", reason: "body: not valid JSON" } };
  }
}

/**
 * An id a platform assigned (user, channel, team, issue…). Real ones are short: Slack's about
 * 11 characters, Discord's snowflakes 21 digits, Linear's UUIDs 36. The cap keeps conversation
 * keys and dedupe ids built from them within their limits, whatever a sender puts there.
 */
export const PlatformId = z.string().min(1).max(64);
