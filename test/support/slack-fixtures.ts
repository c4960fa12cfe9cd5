// Node side (global setup): reads the Slack payloads recorded by the Vercel Chat SDK from
// ../shared/fixtures/vercel-chat-replay, which lies outside the project and so outside workerd.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const SLACK_FIXTURES_DIR = resolve(import.meta.dirname, "../../../shared/fixtures/vercel-chat-replay");

export interface SlackFixture {
  /** e.g. "streaming/slack.json" */
  readonly file: string;
  /** The recording's name inside the file, e.g. "aiMention" */
  readonly name: string;
  /** The bot user id the recording was made with. */
  readonly botUserId: string;
  readonly payload: Record<string, unknown>;
}

/** Every object in every `slack*.json` recording file; empty when the directory is absent. */
export function loadSlackFixtures(dir = SLACK_FIXTURES_DIR): SlackFixture[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at).sort()) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/^slack.*\.json$/.test(entry)) files.push(path);
    }
  };
  walk(dir);
  return files.flatMap((path) => {
    const recording = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const botUserId = String(recording.botUserId ?? "");
    return Object.entries(recording)
      .filter((entry): entry is [string, Record<string, unknown>] => typeof entry[1] === "object" && entry[1] !== null && !Array.isArray(entry[1]))
      .map(([name, payload]) => ({ file: relative(dir, path), name, botUserId, payload }));
  });
}
