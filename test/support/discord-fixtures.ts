// Node side (global setup): reads the Discord payloads recorded by the Vercel Chat SDK from
// ../shared/fixtures/vercel-chat-replay, which lies outside the project and so outside workerd.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const DISCORD_FIXTURES_DIR = resolve(import.meta.dirname, "../../../shared/fixtures/vercel-chat-replay");

export type DiscordFixture =
  /** An interaction as Discord POSTs it to the interactions endpoint. */
  | { readonly file: string; readonly name: string; readonly kind: "interaction"; readonly payload: Record<string, unknown> }
  /** A Gateway dispatch (`t` without the GATEWAY_ prefix, e.g. MESSAGE_CREATE) and its `d`. */
  | { readonly file: string; readonly name: string; readonly kind: "gateway"; readonly event: string; readonly payload: Record<string, unknown> };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every payload in every `discord*.json` recording file; empty when the directory is absent. */
export function loadDiscordFixtures(dir = DISCORD_FIXTURES_DIR): DiscordFixture[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at).sort()) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/^discord.*\.json$/.test(entry)) files.push(path);
    }
  };
  walk(dir);
  return files.flatMap((path) => {
    const recording = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const file = relative(dir, path);
    return Object.entries(recording).flatMap(([name, value]): DiscordFixture[] => {
      if (!isObject(value)) return [];
      if (typeof value.type === "string" && value.type.startsWith("GATEWAY_") && isObject(value.data)) {
        return [{ file, name, kind: "gateway", event: value.type.slice("GATEWAY_".length), payload: value.data }];
      }
      if (typeof value.type === "number" && typeof value.application_id === "string") return [{ file, name, kind: "interaction", payload: value }];
      return [];
    });
  });
}
