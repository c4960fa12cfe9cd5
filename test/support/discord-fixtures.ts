// Node side (global setup): the Discord payloads among the recorded fixtures.
import { RECORDINGS_DIR, readRecordings } from "./recordings.ts";

export type DiscordFixture =
  /** An interaction as Discord POSTs it to the interactions endpoint. */
  | { readonly file: string; readonly name: string; readonly kind: "interaction"; readonly payload: Record<string, unknown> }
  /** A Gateway dispatch (`t` without the GATEWAY_ prefix, e.g. MESSAGE_CREATE) and its `d`. */
  | { readonly file: string; readonly name: string; readonly kind: "gateway"; readonly event: string; readonly payload: Record<string, unknown>; readonly recordedAt?: number };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every payload in every `discord*.json` recording file. */
export function loadDiscordFixtures(dir = RECORDINGS_DIR): DiscordFixture[] {
  return readRecordings("discord", dir).flatMap(({ file, recording }) => {
    return Object.entries(recording).flatMap(([name, value]): DiscordFixture[] => {
      if (!isObject(value)) return [];
      if (typeof value.type === "string" && value.type.startsWith("GATEWAY_") && isObject(value.data)) {
        const recordedAt = typeof value.timestamp === "number" ? { recordedAt: value.timestamp } : {};
        return [{ file, name, kind: "gateway", event: value.type.slice("GATEWAY_".length), payload: value.data, ...recordedAt }];
      }
      if (typeof value.type === "number" && typeof value.application_id === "string") return [{ file, name, kind: "interaction", payload: value }];
      return [];
    });
  });
}
