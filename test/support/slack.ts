import { exports } from "cloudflare:workers";
import { eventCallback as slackEnvelope, newEventId, newTs, signSlack } from "../../dev/slack-events.ts";
import { TEST_SLACK, TEST_SLACK_SIGNING_SECRET } from "../env.ts";
import { emulatorUrl, recordedCalls } from "./emulator.ts";
import type { RecordedCall } from "../../dev/emulator/core.ts";

export type SlackRoute = "events" | "commands" | "interactions";

export interface SlackPostOptions {
  secret?: string;
  /** Seconds since the epoch to sign with; default now. */
  timestamp?: number;
  /** Header overrides; null removes the header. */
  headers?: Record<string, string | null>;
  /** Bytes to send after signing (to tamper with a signed body). */
  sendBody?: string;
}

/** Posts `body` to the Worker exactly as Slack would: exact bytes, real v0 signature. */
export async function postSlack(route: SlackRoute, body: string, options: SlackPostOptions = {}): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": route === "events" ? "application/json" : "application/x-www-form-urlencoded",
    ...(await signSlack(body, options.secret ?? TEST_SLACK_SIGNING_SECRET, timestamp)),
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return exports.default.fetch(
    new Request(`https://switchboard.test/webhooks/slack/${route}`, { method: "POST", headers, body: options.sendBody ?? body }),
  );
}

export const postEvent = (payload: unknown, options?: SlackPostOptions) => postSlack("events", JSON.stringify(payload), options);
export const postCommand = (fields: Record<string, unknown>, options?: SlackPostOptions) =>
  postSlack("commands", formBody(fields), options);
export const postInteraction = (payload: unknown, options?: SlackPostOptions) =>
  postSlack("interactions", new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), options);

export function formBody(fields: Record<string, unknown>): string {
  return new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, v === null || v === undefined ? "" : String(v)])).toString();
}

/** A fresh channel id per test: tests never share emulator or agent state. */
export function uniqueChannel(prefix = "C"): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
}

export { newEventId, newTs };

/** An Events API envelope as Slack sends it to this test workspace's app. */
export function eventCallback(event: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return slackEnvelope(TEST_SLACK, event, overrides);
}

export function mentionEvent(channel: string, text: string, ts = newTs(), user = "U0HUMAN001") {
  return { type: "app_mention", user, text: `<@${TEST_SLACK.botUserId}> ${text}`, ts, channel, client_msg_id: crypto.randomUUID() };
}

/** Web API calls the bot made about `channel` (its id in the arguments). */
export async function slackCalls(channel: string, method?: string): Promise<RecordedCall[]> {
  const calls = await recordedCalls("slack", method ? `/${method}` : "/");
  return calls.filter((call) => {
    const body = call.body as Record<string, unknown> | null;
    return body?.channel === channel || body?.channel_id === channel;
  });
}

export const isPost = (call: RecordedCall) => call.path === "/chat.postMessage";
export const okResponse = (call: RecordedCall) => (call.response as { ok?: boolean } | null)?.ok === true;

export async function slackState(): Promise<{ channels: Record<string, Array<Record<string, unknown>>>; responses: Array<{ path: string; body: Record<string, unknown> }> }> {
  return (await fetch(`${emulatorUrl}/_emulator/state/slack`)).json() as never;
}

/** The bot's messages in `channel` as the emulated workspace holds them: posted ones and streamed ones alike. */
export async function botMessages(channel: string): Promise<Array<Record<string, unknown> & { ts: string; text: string; thread_ts?: string }>> {
  const messages = (await slackState()).channels[channel] ?? [];
  return messages.filter((message) => message.user === TEST_SLACK.botUserId) as never;
}
