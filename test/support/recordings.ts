// Node side (global setup): the platform payloads recorded in production by the Vercel Chat SDK,
// copied into test/fixtures/vercel-chat-replay (MIT, see its LICENSE and README), read here
// because workerd cannot read files.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const RECORDINGS_DIR = resolve(import.meta.dirname, "../fixtures/vercel-chat-replay");

/** Every `${platform}*.json` recording under `dir`, parsed, with its path relative to `dir`. */
export function readRecordings(platform: "slack" | "discord", dir = RECORDINGS_DIR): { file: string; recording: Record<string, unknown> }[] {
  if (!existsSync(dir)) throw new Error(`recorded fixtures missing at ${dir}`);
  const files: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at).sort()) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.startsWith(platform) && entry.endsWith(".json")) files.push(path);
    }
  };
  walk(dir);
  return files.map((path) => ({ file: relative(dir, path), recording: JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown> }));
}
