// The deliveries the playground and the dev tools posted to the Worker, under
// /_emulator/deliveries, so `switchboard replay --delivery ID` can send one again. These are the
// platform-to-Worker direction; the call log (/_emulator/calls) is the other one.
import { Hono } from "hono";
import { StoredDelivery } from "../deliveries.ts";

/** The newest deliveries kept; a dev session rarely needs more, and memory stays bounded. */
const KEPT = 500;

export function createDeliveryLog(now: () => Date) {
  let deliveries: (StoredDelivery & { id: string; at: string })[] = [];
  const routes = new Hono();

  routes.post("/", async (c) => {
    const parsed = StoredDelivery.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid delivery", issues: parsed.error.issues }, 400);
    const delivery = { ...parsed.data, id: parsed.data.id ?? crypto.randomUUID(), at: parsed.data.at ?? now().toISOString() };
    deliveries = [...deliveries.filter((kept) => kept.id !== delivery.id), delivery].slice(-KEPT);
    return c.json({ id: delivery.id }, 201);
  });

  // Newest first, without bodies: which deliveries there are, to pick one.
  routes.get("/", (c) => {
    const platform = c.req.query("platform");
    return c.json(
      deliveries
        .filter((delivery) => !platform || delivery.platform === platform)
        .toReversed()
        .map(({ id, platform, path, status, at }) => ({ id, platform, path, status, at })),
    );
  });

  routes.get("/:id", (c) => {
    const delivery = deliveries.find((kept) => kept.id === c.req.param("id"));
    return delivery ? c.json(delivery) : c.json({ error: "no such delivery" }, 404);
  });

  return {
    routes,
    reset() {
      deliveries = [];
    },
  };
}
