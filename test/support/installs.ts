import { exports } from "cloudflare:workers";
import { emulatorUrl } from "./emulator.ts";

export const WORKER = "https://switchboard.test";

/** A fresh Slack team id per test: installations live as long as the test run. */
export function uniqueTeam(): string {
  return `T${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
}

export interface InstallStart {
  /** The platform's consent page the install link redirected to. */
  readonly authorize: URL;
  /** `name=value` of the cookie the install link set (the browser sends it back to the callback). */
  readonly cookie: string;
}

/** `GET /oauth/<channel>/install` as a browser opens it: the redirect and its cookie. */
export async function startInstall(channel: "slack" | "linear"): Promise<InstallStart> {
  const response = await exports.default.fetch(new Request(`${WORKER}/oauth/${channel}/install`, { redirect: "manual" }));
  if (response.status !== 302) throw new Error(`install link answered ${response.status}: ${await response.text()}`);
  return { authorize: new URL(response.headers.get("location")!), cookie: response.headers.get("set-cookie")!.split(";")[0]! };
}

/** The admin presses Allow on the emulated consent page: where the platform sends the browser back. */
export async function approve(start: InstallStart, choice: Record<string, string>): Promise<URL> {
  const form = new URLSearchParams({ ...Object.fromEntries(start.authorize.searchParams), decision: "allow", ...choice });
  const response = await fetch(start.authorize.origin + start.authorize.pathname, { method: "POST", body: form, redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" } });
  if (response.status !== 302) throw new Error(`consent page answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get("location")!);
}

/** The browser arrives at the Worker's callback with the install's cookie. */
export function callback(url: URL | string, cookie: string): Promise<Response> {
  return exports.default.fetch(new Request(url, { headers: { cookie }, redirect: "manual" }));
}

/** The whole Slack install into workspace `teamId` (created at the emulator when new). */
export async function installSlack(teamId: string, name = `Workspace ${teamId}`): Promise<{ botUserId: string; page: string }> {
  const start = await startInstall("slack");
  const response = await callback(await approve(start, { team: teamId, team_name: name }), start.cookie);
  const page = await response.text();
  if (response.status !== 200) throw new Error(`callback answered ${response.status}: ${page}`);
  const workspaces = (await (await fetch(`${emulatorUrl}/_emulator/slack/workspaces`)).json()) as { teamId: string; botUserId: string }[];
  return { botUserId: workspaces.find((w) => w.teamId === teamId)!.botUserId, page };
}

export async function health(): Promise<{ channels: Record<string, { installations?: Record<string, unknown> } & Record<string, unknown>> }> {
  return (await exports.default.fetch(new Request(`${WORKER}/health`))).json() as never;
}
