import { Hono } from "hono";
import { z } from "zod";
import type { Channel } from "./channel.ts";
import { describeIssues } from "./config.ts";
import { log } from "./log.ts";

/** Where the operator endpoints live; `switchboard inspect`, `rerun` and `discord gateway` call them. */
export const OPERATOR_PATH = "/operator";

/** The operator's bearer. Short tokens are refused: this one reads conversations. */
export const OperatorConfig = z.object({
  ADMIN_TOKEN: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)").optional(),
});

type AppEnv = { Bindings: Env };

/**
 * The operator endpoints, all behind `Authorization: Bearer <ADMIN_TOKEN>`:
 *
 * - `GET  /operator/conversations/:key` — owner, inbox, history size, failed turns with their
 *   journal steps; message text and tool outputs only with `?content=true`;
 * - `POST /operator/conversations/:key/turns/:seq/rerun` — a failed turn back in the inbox;
 * - each channel's `operations` under `/operator<path>` (Discord's Gateway start/stop/status).
 *
 * Off unless ADMIN_TOKEN is set: then every path answers 404, like any path the Worker lacks.
 */
export function createOperatorApi(channels: readonly Channel<unknown>[]): Hono<AppEnv> {
  // A base path rather than app.route(): mount() strips its own prefix from the request it hands on,
  // and only sees the whole prefix when the base path is part of this app.
  const api = new Hono<AppEnv>().basePath(OPERATOR_PATH);

  api.use("*", async (c, next) => {
    const token = c.env.ADMIN_TOKEN;
    if (!token) return c.json({ error: "not found" }, 404);
    const setting = OperatorConfig.safeParse(c.env);
    if (!setting.success) return c.json({ error: "the operator endpoint is misconfigured", problems: describeIssues(setting.error) }, 503);
    const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (!given || !(await sameSecret(given, token))) {
      log("operator.unauthorized", { path: c.req.path });
      return c.json({ error: "unauthorized" }, 401, { "www-authenticate": 'Bearer realm="switchboard-operator"' });
    }
    await next();
  });

  api.get("/conversations/:key", async (c) => {
    const key = c.req.param("key");
    const content = c.req.query("content") === "true";
    // Logged without the content flag's output: who looked at which conversation, never what it holds.
    log("operator.inspect", { conversationKey: key, content });
    return c.json(await c.env.CONVERSATION.getByName(key).inspect({ content }));
  });

  api.post("/conversations/:key/turns/:seq/rerun", async (c) => {
    const key = c.req.param("key");
    const seq = Number(c.req.param("seq"));
    if (!Number.isSafeInteger(seq) || seq < 1) return c.json({ error: "seq must be a positive integer" }, 400);
    const queued = await c.env.CONVERSATION.getByName(key).rerun(seq);
    log("operator.rerun", { conversationKey: key, seq, queued });
    if (!queued) return c.json({ error: `turn ${seq} is not a failed turn of ${key} (see inspect)` }, 409);
    return c.json({ status: "queued", conversationKey: key, seq });
  });

  for (const channel of channels) {
    if (channel.operations) api.mount(channel.operations.path, channel.operations.fetch);
  }
  return api;
}

/** Compares digests of both, so neither the time taken nor a length check says anything about the token. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([given, expected].map((text) => crypto.subtle.digest("SHA-256", encoder.encode(text))));
  return crypto.subtle.timingSafeEqual(a!, b!);
}
