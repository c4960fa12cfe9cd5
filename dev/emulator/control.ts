// Control API under /_emulator: call log (JSON and Server-Sent Events), fault rules, reset, state,
// and the deliveries sent to the Worker (for replay).
// Dev only: no auth, meant for loopback.
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { githubExamples } from "../github-examples.ts";
import { PLATFORMS, type Core, type FaultRule, type Platform, type PlatformModule } from "./core.ts";
import { createDeliveryLog } from "./deliveries.ts";

const platformSchema = z.enum(["github", "slack", "linear", "discord"]);

const matchShape = {
  platform: platformSchema,
  method: z.string().min(1).optional(),
  pathPattern: z
    .string()
    .refine((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, "not a valid regular expression")
    .optional(),
  times: z.number().int().positive().optional(),
};

export const faultRuleSchema = z.discriminatedUnion("kind", [
  z.object({
    ...matchShape,
    kind: z.literal("status"),
    status: z.number().int().min(100).max(599),
    retryAfter: z.number().int().nonnegative().optional(),
    body: z.unknown().optional(),
    secondaryRateLimit: z.boolean().optional(),
  }),
  z.object({
    ...matchShape,
    kind: z.literal("timeout"),
    delayMs: z.number().int().nonnegative(),
    then: z.enum(["proceed", "gateway-timeout"]).optional(),
  }),
]);

const KEEPALIVE_MS = 15_000;

export function createControlApi(core: Core, platforms: readonly PlatformModule[]): Hono {
  const control = new Hono();
  const platformParam = (value: string | undefined): Platform | undefined =>
    PLATFORMS.find((p) => p === value);

  control.get("/health", (c) => c.json({ ok: true, platforms: platforms.map((p) => p.platform) }));

  const deliveries = createDeliveryLog(() => core.now());
  control.route("/deliveries", deliveries.routes);

  control.get("/calls", (c) => {
    const since = Number.parseInt(c.req.query("since") ?? "", 10);
    return c.json(
      core.calls({
        platform: platformParam(c.req.query("platform")),
        sinceSeq: Number.isFinite(since) ? since : undefined,
      }),
    );
  });

  // Server-Sent Events: `event: call`, `id: <seq>`, `data: <RecordedCall JSON>`.
  // `?platform=github` filters; `?replay=1` first sends the calls already recorded.
  control.get("/calls/stream", (c) => {
    const platform = platformParam(c.req.query("platform"));
    const replay = c.req.query("replay") === "1";
    return streamSSE(c, async (stream) => {
      const send = (call: ReturnType<Core["calls"]>[number]) =>
        stream.writeSSE({ event: "call", id: String(call.seq), data: JSON.stringify(call) });
      let wake: (() => void) | undefined;
      const unsubscribe = core.subscribe((call) => {
        if (platform === undefined || call.platform === platform) void send(call);
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      if (replay) for (const call of core.calls({ platform })) await send(call);
      while (!stream.aborted && !stream.closed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, KEEPALIVE_MS).unref();
        });
        if (!stream.aborted) await stream.write(": keep-alive\n\n");
      }
      unsubscribe();
    });
  });

  control.get("/faults", (c) => c.json(core.faults()));

  control.post("/faults", async (c) => {
    const parsed = faultRuleSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid fault rule", issues: parsed.error.issues }, 400);
    const rule: FaultRule = parsed.data;
    return c.json(core.addFault(rule), 201);
  });

  control.delete("/faults", (c) => {
    const cleared = core.faults().length;
    core.clearFaults();
    return c.json({ cleared });
  });

  control.delete("/faults/:id", (c) =>
    core.removeFault(c.req.param("id")) ? c.json({ removed: c.req.param("id") }) : c.json({ error: "no such fault" }, 404),
  );

  control.post("/reset", (c) => {
    core.reset();
    deliveries.reset();
    for (const p of platforms) p.reset();
    return c.json({ ok: true });
  });

  // GitHub's documented payloads for one event, for clients that cannot load the 4 MB package
  // (tests inside workerd, the playground page).
  control.get("/github/examples/:event", (c) => {
    try {
      return c.json(githubExamples(c.req.param("event")));
    } catch {
      return c.json({ error: "no such GitHub event" }, 404);
    }
  });

  control.get("/state/:platform", (c) => {
    const module = platforms.find((p) => p.platform === c.req.param("platform"));
    if (!module) return c.json({ error: "platform not emulated" }, 404);
    return c.json(module.snapshot(new URL(c.req.url).origin));
  });

  return control;
}
