// The peer: Vercel's Chat SDK (`chat` + `@chat-adapter/slack` + its memory state) on Node's HTTP
// server, answering the same signed Slack events. Its Slack Web API is the local emulator, so it
// makes no outside call. It acknowledges as soon as the signature is checked and the handler is
// scheduled (`waitUntil`): nothing is durable when its 200 leaves.
//   node bench/peer.ts <emulator url>        prints {"url": …} on its first stdout line
import { createServer } from "node:http";
import { createSlackAdapter } from "@chat-adapter/slack";
import { createMemoryState } from "@chat-adapter/state-memory";
import { Chat } from "chat";
import { DEV_SLACK } from "../dev/emulator/slack.ts";

const emulatorUrl = process.argv[2];
if (!emulatorUrl) throw new Error("usage: node bench/peer.ts <emulator url>");

const quiet = { debug() {}, info() {}, warn() {}, error: (...args: unknown[]) => console.error(...args), child: () => quiet };

const bot = new Chat({
  userName: "switchboard",
  adapters: {
    slack: createSlackAdapter({
      botToken: DEV_SLACK.token,
      signingSecret: DEV_SLACK.signingSecret,
      botUserId: DEV_SLACK.botUserId,
      apiUrl: `${emulatorUrl}/slack/`,
      logger: quiet,
    } as Parameters<typeof createSlackAdapter>[0]),
  },
  // (@chat-adapter/state-memory 4.41.0 carries its own copy of chat 4.41.0, hence the casts)
  state: createMemoryState(),
  // Every mention gets its own answer, as with Switchboard (the default drops overlapping ones).
  concurrency: "concurrent",
  logger: quiet,
} as unknown as ConstructorParameters<typeof Chat>[0]);

// The same work as the embedded triage turn's visible part: one reply in the thread.
bot.onNewMention(async (thread) => {
  await thread.post("Thanks, looking into it: this looks like a regression from the dependency bump.");
});

const pending = new Set<Promise<unknown>>();
const waitUntil = (task: Promise<unknown>) => {
  const tracked = task.catch((error: unknown) => console.error("peer handler failed:", error)).finally(() => pending.delete(tracked));
  pending.add(tracked);
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, { method: req.method, headers, body: Buffer.concat(chunks) });
      const response = await bot.webhooks.slack!(request, { waitUntil });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      console.error("peer webhook failed:", error);
      res.writeHead(500).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.once("SIGTERM", () => process.exit(0));
