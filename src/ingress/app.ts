import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AcceptOutcome, Acknowledgement, Channel, InboundRequest, Interpretation, WebhookRoute } from "../channel.ts";
import { ConfigError, loadAgentSettings, loadConfig, type Config } from "../config.ts";
import { installationGate } from "../installations/gate.ts";
import { NormalizedEvent } from "../event.ts";
import { log } from "../log.ts";
import { malformed } from "../payload.ts";
import { decodeBody, readBody } from "./body.ts";

/** Routes a verified, normalized event and hands it to its conversation; resolves once it is durable. */
export type Dispatch = (env: Env, event: NormalizedEvent) => Promise<AcceptOutcome>;
export type { AcceptOutcome };

export interface IngressOptions {
  readonly channels: readonly Channel<unknown>[];
  /**
   * Why an event needs no conversation at all (no agent wants it, the bot is not in it), or
   * null: asked before anything else costs a request, the installation's check included.
   */
  readonly screen?: (env: Env, event: NormalizedEvent) => Promise<string | null>;
  readonly dispatch: Dispatch;
  readonly now?: () => number;
  /** Agents with settings of their own: `/health` names their problems too. */
  readonly agents?: readonly { readonly name: string; readonly settings?: z.ZodType<unknown> }[];
  /** More of `/health`: aggregates only (today's usage), never a conversation's content. */
  readonly health?: (env: Env) => Promise<Record<string, unknown>>;
}

type AppEnv = { Bindings: Env };

/**
 * limit → verify → parse → normalize → filter → accept → ack. A 2xx means the event is in its
 * conversation's inbox (or deliberately ignored, with the reason in the body).
 */
export function createIngress({ channels, screen, dispatch, now = Date.now, agents = [], health }: IngressOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/health", async (c) => {
    const { status, core, channels: configs } = config(c);
    const enabled = Object.entries(status)
      .filter(([, channel]) => channel.enabled)
      .map(([name]) => name);
    const live: Record<string, object> = { ...status };
    for (const channel of channels) {
      const channelConfig = configs.get(channel.name);
      if (channel.health && channelConfig !== undefined) live[channel.name] = { ...status[channel.name], ...(await channel.health(c.env, channelConfig)) };
    }
    const settings = Object.fromEntries(
      agents.filter((agent) => agent.settings).map((agent) => {
        const loaded = loadAgentSettings(c.env, agent);
        return [agent.name, { problems: loaded.ok ? [] : loaded.problems }];
      }),
    );
    const more = (await health?.(c.env)) ?? {};
    return c.json({ ok: true, bot: core.BOT_NAME, model: core.MODEL ?? "embedded", enabled, channels: live, agents: settings, ...more });
  });

  for (const channel of channels) {
    for (const route of channel.routes) {
      app.post(route.path, (c) => handle(c, channel, route));
    }
    const install = channel.installations?.routes;
    if (install) app.mount(`/oauth/${channel.name}`, install.fetch);
  }

  async function handle(c: Context<AppEnv>, channel: Channel<unknown>, route: WebhookRoute<unknown>) {
    const settings = config(c);
    const channelConfig = settings.channels.get(channel.name);
    if (channelConfig === undefined) {
      return c.json({ error: `the ${channel.name} channel is not enabled`, problems: settings.status[channel.name]?.problems }, 404);
    }
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!route.contentTypes.includes(mediaType)) {
      return c.json({ error: `unsupported content type; expected ${route.contentTypes.join(" or ")}` }, 415);
    }
    const body = await readBody(c.req.raw, settings.core.MAX_BODY_BYTES);
    if (!body.ok) {
      return c.json({ error: body.status === 413 ? `body larger than ${settings.core.MAX_BODY_BYTES} bytes` : "unreadable body" }, body.status);
    }
    const request: InboundRequest = { body: body.bytes, text: decodeBody(body.bytes), headers: c.req.raw.headers, now: now() };
    const probe = route.preflight?.(request, channelConfig);
    if (probe) return c.json(probe.body as object, probe.status);
    const verdict = await route.verify(request, channelConfig);
    if (!verdict.ok && verdict.reason === "malformed-body") return c.json({ error: "malformed", reason: verdict.detail }, 400);
    if (!verdict.ok) return c.json({ error: "unauthorized", reason: verdict.reason }, 401);

    const reading = read(channel, route, request, channelConfig);
    switch (reading.type) {
      case "respond":
        return c.json(reading.body as object, reading.status);
      case "malformed":
        return c.json({ error: "malformed", reason: reading.reason }, 400);
      case "ignore":
        return c.json({ status: "ignored", reason: reading.reason }, 202);
      case "installation": {
        const store = channel.installations?.store(channelConfig);
        if (!store) return c.json({ status: "ignored", reason: `${channel.name} installs are not set up, so there is no installation to change` }, 202);
        const { change } = reading;
        const saved = change.status === "removed" ? await store.remove(change.id, change.reason) : await store.save(change.id, change.details);
        return c.json({ status: "recorded", installation: saved.id, state: saved.status }, 200);
      }
    }
    const { event, ack } = reading;
    const filtered = policy(event, settings);
    if (filtered) return c.json({ status: "ignored", reason: filtered }, 202);
    const ignored = (await screen?.(c.env, event)) ?? (await installationGate(channel, event.replyTo, channelConfig));
    if (ignored) {
      log("ingress.ignored", { channel: event.channel, conversationKey: event.conversationKey, dedupeId: event.dedupeId, reason: ignored });
      if (ack) {
        const answer = ack({ status: "ignored", reason: ignored });
        return c.json(answer.body as object, answer.status);
      }
      return c.json({ status: "ignored", reason: ignored }, 202);
    }

    const outcome = await dispatch(c.env, event);
    log(`ingress.${outcome.status}`, { channel: event.channel, conversationKey: event.conversationKey, dedupeId: event.dedupeId });
    if (ack) {
      const answer = ack(outcome);
      return c.json(answer.body as object, answer.status);
    }
    if (outcome.status === "ignored") return c.json({ status: "ignored", reason: outcome.reason }, 202);
    return c.json({ status: outcome.status, conversationKey: event.conversationKey, dedupeId: event.dedupeId }, 200);
  }

  function config(c: Context<AppEnv>): Config {
    return loadConfig(c.env, channels);
  }

  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((error, c) => {
    if (error instanceof ConfigError) {
      log("config.invalid", { problems: error.problems.join("; ") });
      return c.json({ error: "server misconfigured", problems: error.problems }, 503);
    }
    // Storage, the runtime, or a verifier's own I/O (Linear's viewer lookup) failed: reading the
    // payload cannot throw past `read`. Nothing was acknowledged: a redelivery is what we want.
    log("ingress.error", { error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : "unknown" });
    return c.json({ error: "temporarily unavailable" }, 503, { "retry-after": "5" });
  });
  return app;
}

/** An interpretation whose event passed the normalized schema. */
type Reading = Exclude<Interpretation, { type: "event" }> | { type: "event"; event: NormalizedEvent; ack?: (outcome: AcceptOutcome) => Acknowledgement };

/**
 * What a verified request says, as the channel reads it and as the normalized event schema
 * accepts it. Everything here works on the sender's bytes alone, so whatever it throws is a
 * payload the channel did not foresee: a 400, logged so the gap gets a schema. Storage and the
 * runtime come after this phase, and their failures stay 503 (see onError).
 */
function read(channel: Channel<unknown>, route: WebhookRoute<unknown>, request: InboundRequest, config: unknown): Reading {
  try {
    const interpretation = route.interpret(request, config);
    if (interpretation.type !== "event") return interpretation;
    const parsed = NormalizedEvent.safeParse(interpretation.event);
    if (!parsed.success) return malformed(parsed.error);
    // The reply target is the channel's own shape: the channel's schema checks it, the core only carries it.
    const target = channel.target.safeParse(parsed.data.replyTo);
    if (!target.success) return malformed(new z.ZodError(target.error.issues.map((issue) => ({ ...issue, path: ["replyTo", ...issue.path] }))));
    return { ...interpretation, event: { ...parsed.data, replyTo: target.data as NormalizedEvent["replyTo"] } };
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    log("ingress.unreadable", { channel: channel.name, route: route.path, error: error instanceof Error ? `${name}: ${error.message}`.slice(0, 300) : name });
    return { type: "malformed", reason: `body: the ${channel.name} channel could not read this payload (${name})` };
  }
}

/** The bot never answers itself, and other bots only when ALLOW_BOTS is set. */
function policy(event: NormalizedEvent, settings: Config): string | null {
  if (event.actor.isSelf) return "sent by the bot itself";
  if (event.actor.isBot && !settings.core.ALLOW_BOTS) return `sent by another bot (${event.actor.name}); set ALLOW_BOTS=true to answer bots`;
  return null;
}
