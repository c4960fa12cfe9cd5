// Chat → ticket, as a person drives it: a report in a Slack thread, a click on the bot's
// approval buttons, and the trackers' own state in the emulator.
import { blockActions } from "../../dev/slack-events.ts";
import { TEST_SLACK, TEST_TICKETS } from "../env.ts";
import { emulatorUrl, waitFor } from "./emulator.ts";
import { linearState } from "./linear.ts";
import { eventCallback, mentionEvent, newTs, postEvent, postInteraction, slackState } from "./slack.ts";

export const ADMIN = { id: "U0ADMIN001", name: "ada" };
export const MEMBER = { id: "U0HUMAN001", name: "hugo" };

export type SlackMessage = {
  ts: string;
  text: string;
  thread_ts?: string;
  user: string;
  blocks?: { type: string; text?: { text: string }; elements?: { action_id?: string; value?: string; text?: { text: string } | string }[] }[];
};

/** A report @-mentioning the bot in `channel`, starting a thread; its conversation key. */
export async function reportInSlack(channel: string, text: string, user = MEMBER.id) {
  const root = newTs();
  const response = await postEvent(eventCallback(mentionEvent(channel, text, root, user)));
  if (response.status !== 200) throw new Error(`the report was not accepted: ${response.status}`);
  return { channel, root, key: `slack:${TEST_SLACK.teamId}:${channel}:${root}` };
}

/** The bot's messages in one thread, oldest first. */
export async function threadMessages(channel: string, root: string): Promise<SlackMessage[]> {
  const messages = ((await slackState()).channels[channel] ?? []) as unknown as SlackMessage[];
  return messages.filter((message) => message.thread_ts === root || message.ts === root);
}

/** The approval request the bot posted in the thread: its words and the id its buttons carry. */
export async function approvalRequest(channel: string, root: string) {
  return waitFor("the approval request", async () => {
    const message = (await threadMessages(channel, root)).find((m) => m.blocks?.some((b) => b.type === "actions"));
    const button = message?.blocks?.find((b) => b.type === "actions")?.elements?.[0];
    return message && button?.value ? { message, id: button.value, summary: message.text } : null;
  });
}

/** The signed `block_actions` payload of `who` pressing Approve (or Deny) on the thread's request. */
export async function approvalPress(channel: string, root: string, who: { id: string; name: string }, approve = true) {
  const { message, id } = await approvalRequest(channel, root);
  return blockActions(TEST_SLACK, {
    user: who,
    channel,
    message: { ts: message.ts, thread_ts: root },
    actionId: approve ? "switchboard_approve" : "switchboard_deny",
    value: id,
    label: approve ? "Approve" : "Deny",
  });
}

/** Presses Approve (or Deny) on the thread's request as `who`. */
export async function press(channel: string, root: string, who: { id: string; name: string }, approve = true): Promise<Response> {
  return postInteraction(await approvalPress(channel, root, who, approve));
}

/** The bot's plain replies in the thread (not its approval requests). */
export async function replies(channel: string, root: string): Promise<string[]> {
  return (await threadMessages(channel, root)).filter((m) => m.user === TEST_SLACK.botUserId && !m.blocks?.length).map((m) => m.text);
}

export interface GitHubIssueState {
  number: number;
  title: string;
  body: string | null;
  state: string;
  html_url: string;
  labels: { name: string }[];
  comment_list: { body: string; user: { login: string } }[];
}

/** The ticket repository's issues as the emulated GitHub holds them. */
export async function ticketIssues(): Promise<GitHubIssueState[]> {
  const state = (await (await fetch(`${emulatorUrl}/_emulator/state/github`)).json()) as { repos: { owner: string; name: string; issues: GitHubIssueState[] }[] };
  return state.repos.find((repo) => repo.owner === TEST_TICKETS.owner && repo.name === TEST_TICKETS.repo)?.issues ?? [];
}

/** A person's issue in the ticket repository, as it exists before anyone reports it again. */
export async function seedTicketIssue(title: string, body: string): Promise<GitHubIssueState> {
  const response = await fetch(`${emulatorUrl}/_emulator/github/issues`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ owner: TEST_TICKETS.owner, repo: TEST_TICKETS.repo, title, body, user: "maria" }),
  });
  return (await response.json()) as GitHubIssueState;
}

export interface LinearIssueState {
  id: string;
  identifier: string;
  title: string;
  description: string;
  priorityLabel: string;
  state: string;
  labels: string[];
  comments: { body: string }[];
}

/** The ticket team (seeded once per emulator), and its issues. */
export async function ticketTeam(): Promise<{ id: string; key: string; issues: LinearIssueState[] }> {
  const find = async () => (await linearState()).teams.find((team) => team.key === TEST_TICKETS.team) as unknown as { id: string; key: string; issues: LinearIssueState[] } | undefined;
  const existing = await find();
  if (existing) return existing;
  await fetch(`${emulatorUrl}/_emulator/linear/teams`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key: TEST_TICKETS.team, name: "Tickets" }) });
  return (await find())!;
}
