// Node side (global setup): the Slack payloads among the recorded fixtures.
import { RECORDINGS_DIR, readRecordings } from "./recordings.ts";

export interface SlackFixture {
  /** e.g. "streaming/slack.json" */
  readonly file: string;
  /** The recording's name inside the file, e.g. "aiMention" */
  readonly name: string;
  /** The bot user id the recording was made with. */
  readonly botUserId: string;
  readonly payload: Record<string, unknown>;
}

/** Every object in every `slack*.json` recording file. */
export function loadSlackFixtures(dir = RECORDINGS_DIR): SlackFixture[] {
  return readRecordings("slack", dir).flatMap(({ file, recording }) => {
    const botUserId = String(recording.botUserId ?? "");
    return Object.entries(recording)
      .filter((entry): entry is [string, Record<string, unknown>] => typeof entry[1] === "object" && entry[1] !== null && !Array.isArray(entry[1]))
      .map(([name, payload]) => ({ file, name, botUserId, payload }));
  });
}
