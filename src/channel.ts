import type { z } from "zod";
import type { InstallationStore } from "./installations/store.ts";
import type { InstallationChange } from "./installations/types.ts";
import type { ChannelName, NormalizedEvent, NormalizedEventInput } from "./event.ts";
import type { ApprovalOutcome, ApprovalRequest } from "./harness/approval.ts";
import type { ProgressStep } from "./harness/tools.ts";

/** The request as the ingress read it: the exact bytes once, and a clock. */
export interface InboundRequest {
  readonly body: Uint8Array;
  readonly text: string;
  readonly headers: Headers;
  /** Milliseconds since the epoch; injected so freshness checks are testable. */
  readonly now: number;
}

/** Why a verifier refused a request. The ingress maps every one of them to 401. */
export type Rejection =
  | "missing-signature"
  | "malformed-signature"
  | "bad-signature"
  | "missing-timestamp"
  | "stale-timestamp"
  | "future-timestamp";

export type Verdict =
  | { ok: true }
  | { ok: false; reason: Rejection }
  /**
   * Authentic, but the signed body lacks what the check needs (Linear's timestamp lives in the
   * body). Answered 400 with `detail`, which names the field.
   */
  | { ok: false; reason: "malformed-body"; detail: string };

/** What the conversation agent did with an event. */
export type AcceptOutcome =
  | { status: "accepted"; seq: number }
  | { status: "duplicate"; seq: number }
  | { status: "ignored"; reason: string };

/** The HTTP answer a platform expects once the event is durable (Slack's ephemeral ack, Discord's type 5). */
export interface Acknowledgement {
  readonly status: 200 | 202;
  readonly body: unknown;
}

/** What a channel made of a verified request. */
export type Interpretation =
  /** Answer directly: handshakes such as GitHub ping or Slack url_verification. */
  | { type: "respond"; status: 200; body: unknown }
  /** Valid, but nothing for the bot to do. Answered 202 with the reason. */
  | { type: "ignore"; reason: string }
  /** Signed but not understandable. Answered 400. */
  | { type: "malformed"; reason: string }
  /** The app was removed from a workspace, or its installation changed: recorded, then answered 200. */
  | { type: "installation"; change: InstallationChange }
  /** Hand this to the conversation agent; `ack` shapes the answer when the platform expects one. */
  | { type: "event"; event: NormalizedEventInput; ack?: (outcome: AcceptOutcome) => Acknowledgement };

export interface WebhookRoute<Config> {
  /** Path under the Worker, e.g. "/webhooks/github". */
  readonly path: string;
  /** Accepted media types (without parameters); anything else is 415. */
  readonly contentTypes: readonly string[];
  /**
   * Answers the platform's unsigned probes (Slack's `ssl_check`) before verification. Returns
   * null for everything else; it must never produce an event.
   */
  preflight?(request: InboundRequest, config: Config): Extract<Interpretation, { type: "respond" }> | null;
  verify(request: InboundRequest, config: Config): Promise<Verdict>;
  interpret(request: InboundRequest, config: Config): Interpretation;
}

/** Options every outbound call gets from the harness. */
export interface EffectContext {
  /** Stable across re-runs of the same step: the key platform-side markers carry. */
  readonly idempotencyKey: string;
  /** True when an earlier attempt of this step may already have reached the platform. */
  readonly replay: boolean;
}

export interface PostedMessage {
  /** Platform id of what was posted (comment id, message ts…). */
  readonly id: string;
  readonly url?: string;
}

/** Talks back to the platform for one conversation. */
export interface Outbound {
  /** Post `markdown` in place (thread, issue, session) exactly once per idempotency key. */
  reply(markdown: string, effect: EffectContext): Promise<PostedMessage>;
  /**
   * Shows a finished tool step where the platform has a place for it (Linear's action
   * activities), exactly once per idempotency key.
   */
  progress?(step: ProgressStep, effect: EffectContext): Promise<void>;
  /**
   * Shows that the bot is working (a reaction, a typing indicator, a status line, a Linear
   * `thought`) at the start of a turn, and clears it at the end. `effect.replay` is true when an
   * earlier attempt of the turn may already have shown it. Best effort: a failure is logged,
   * never fails the turn.
   */
  working?(on: boolean, effect: EffectContext): Promise<void>;
  /**
   * Opens a reply that grows in place while the turn runs (Slack's streaming messages, Discord's
   * edits), exactly once per idempotency key: with `effect.replay` it first looks for the one an
   * earlier attempt opened. A channel without it answers once, when the turn ends.
   */
  openLive?(effect: EffectContext): Promise<LiveReply>;
  /** The live reply an earlier attempt of this turn opened, by the id the journal recorded. */
  resumeLive?(id: string): LiveReply;
  /**
   * Asks for a person's approval of a tool call in the platform's own form (buttons where it has
   * them), exactly once per idempotency key. Without it, the request is a reply asking for
   * `/approve` or `/deny`.
   */
  requestApproval?(request: ApprovalRequest, effect: EffectContext): Promise<PostedMessage>;
  /** Shows the outcome on the request ("Approved by @x") and takes its buttons away. Safe to repeat. */
  resolveApproval?(posted: PostedMessage, request: ApprovalRequest, outcome: ApprovalOutcome): Promise<void>;
  /**
   * Whether the person behind `event` may decide approvals here: the channel's configured
   * approvers, or the platform's permissions. Without it, nobody may (requests expire).
   */
  mayApprove?(event: NormalizedEvent): Promise<boolean>;
  /** Tells someone who may not decide that they may not: privately where the platform can. */
  refuseApprover?(event: NormalizedEvent, reason: string): Promise<void>;
}

/** A tool step as a live reply shows it: a progress line, or a task in Slack's timeline. */
export interface LiveStep {
  /** Stable for the step, so its later updates replace the earlier ones. */
  readonly id: string;
  readonly title: string;
  readonly status: "in_progress" | "complete" | "error";
  readonly detail?: string;
}

/**
 * A reply that grows in place. `append` and `step` are shown as soon as the platform's limits
 * allow (a channel buffers and waits out rate limits; nothing is lost, since `finish` writes the
 * whole answer); `finish` is the turn's reply step, exactly once, also after a crash.
 */
export interface LiveReply {
  /** The platform id of the message, journaled when it opens. */
  readonly id: string;
  append(text: string): Promise<void>;
  step(update: LiveStep): Promise<void>;
  /** Makes the message the whole answer (replacing what was streamed) and closes it. */
  finish(markdown: string, effect: EffectContext): Promise<PostedMessage>;
}

/**
 * A platform: how its webhooks are checked and read, where a reply goes, and how to answer there.
 * The channel owns its shapes: its config and its reply target are its own schemas, and the core
 * carries the target inside each event as a value only the channel reads.
 */
export interface Channel<Config = unknown, Target = unknown> {
  readonly name: ChannelName;
  /** The variable whose presence enables the channel (its webhook secret). */
  readonly enabledBy: string;
  /** Parses the Worker's env into this channel's config; issues name variables, never values. */
  readonly config: z.ZodType<Config>;
  /** Exactly what the outbound client needs to answer in place (a thread, an issue, a session). */
  readonly target: z.ZodType<Target>;
  readonly routes: readonly WebhookRoute<Config>[];
  outbound(target: Target, config: Config): Outbound;
  /**
   * Operator endpoints the channel needs besides its webhooks (e.g. starting Discord's Gateway),
   * mounted at `/operator<path>` behind ADMIN_TOKEN (src/operator.ts); `path` is stripped from the
   * request they get.
   */
  readonly operations?: {
    readonly path: string;
    fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
  };
  /** Per-workspace installs (OAuth), when the channel supports them. */
  readonly installations?: ChannelInstallations<Config, Target>;
  /** Live state merged into this channel's `/health` entry (e.g. Discord's Gateway); no secrets. */
  health?(env: Env, config: Config): Promise<Record<string, unknown>>;
}

/**
 * How a channel serves many workspaces: which installation a reply target belongs to, and the
 * public install routes. The ingress ignores events of a removed or broken installation (202 with
 * the reason), and of a workspace without one unless a token in a secret answers it.
 */
export interface ChannelInstallations<Config, Target> {
  /** The store, when `config` has installs set up; without one the channel is single-tenant, as before. */
  store(config: Config): InstallationStore | undefined;
  /** The installation `target` belongs to (a Slack team, a Linear organization, a GitHub installation). */
  of(target: Target): string | undefined;
  /** True when a token in a secret answers workspaces the store does not know (the single-tenant setup). */
  answersUnknown(config: Config): boolean;
  /** `/oauth/<channel>/…`: the install link and its callback. Public: they check `state` themselves. */
  readonly routes?: { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> };
}

/** Checks a channel against the interface with its own config and target types. */
export function defineChannel<Config, Target>(channel: Channel<Config, Target>): Channel<Config, Target> {
  return channel;
}
