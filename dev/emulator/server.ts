// Runs the emulator on a real port with @hono/node-server.
//   node dev/emulator/server.ts --port 8790 [--host 127.0.0.1] [--token ghp_x ...]
//        [--app-id 1234567 --app-slug switchboard-dev --app-public-key path/to/public.pem]
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createEmulator, type Emulator, type EmulatorOptions } from "./app.ts";
import { DEV_DISCORD } from "./discord.ts";
import { DEV_GITHUB_PEOPLE } from "./github-collaborators.ts";
import { DEV_LINEAR } from "./linear.ts";
import { DEV_SLACK, DEV_SLACK_OAUTH, DEV_SLACK_PEOPLE } from "./slack.ts";
import {
  DEV_EMULATOR_HOST,
  DEV_EMULATOR_PORT,
  DEV_GITHUB_APP_ID,
  DEV_GITHUB_APP_SLUG,
  DEV_GITHUB_BOT_LOGIN,
  DEV_GITHUB_TOKEN,
} from "./defaults.ts";

export interface StartEmulatorOptions extends EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. The control API has no auth: keep it on loopback. */
  host?: string;
  /** Served on the same origin ahead of the emulator (the dev playground). */
  front?: Hono;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`; GitHub is at `${url}/github`, control at `${url}/_emulator`. */
  url: string;
  app: Hono;
  emulator: Emulator;
  close(): Promise<void>;
}

export async function startEmulator(options: StartEmulatorOptions): Promise<RunningEmulator> {
  const { port = 0, host = DEV_EMULATOR_HOST, front, ...rest } = options;
  const emulator = createEmulator(rest);
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const fetch = front ? new Hono().route("/", front).route("/", emulator.app).fetch : emulator.app.fetch;
      const s = serve({ fetch, port, hostname: host }, (info) =>
        resolve({ server: s, address: info }),
      );
      s.once("error", reject);
      // WebSocket upgrades (the fake Discord Gateway); anything else is refused.
      s.on("upgrade", (request, socket, head) => {
        if (!emulator.upgrade(request, socket, head)) socket.destroy();
      });
    },
  );
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    app: emulator.app,
    emulator,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Open Server-Sent Event streams and keep-alive sockets would hold close() forever.
        if ("closeAllConnections" in server) server.closeAllConnections();
        // Upgraded (Gateway) sockets are no longer the HTTP server's to close.
        for (const platform of emulator.platforms) if (platform.platform === "discord") platform.reset();
      }),
  };
}

/** Emulator options for `npm run dev`: the dev token, and a GitHub App when a public key is given. */
/**
 * The emulated platforms as `npm run dev` and the tests use them. `workerUrl`: the Worker the
 * playground delivers to, set as the Discord application's Interactions Endpoint URL as the
 * Developer Portal would have it (so `switchboard doctor --worker-url` finds it set).
 */
export function devOptions(app?: { id?: number; slug?: string; publicKeyPem: string }, workerUrl?: string): EmulatorOptions {
  return {
    github: {
      tokens: [DEV_GITHUB_TOKEN],
      botLogin: DEV_GITHUB_BOT_LOGIN,
      collaborators: DEV_GITHUB_PEOPLE,
      ...(app
        ? { app: { id: app.id ?? DEV_GITHUB_APP_ID, slug: app.slug ?? DEV_GITHUB_APP_SLUG, publicKeyPem: app.publicKeyPem } }
        : {}),
    },
    slack: { tokens: [DEV_SLACK.token], ...DEV_SLACK, users: DEV_SLACK_PEOPLE, oauth: DEV_SLACK_OAUTH },
    linear: { apiKeys: [DEV_LINEAR.apiKey], botUserId: DEV_LINEAR.botUserId, organizationId: DEV_LINEAR.organizationId },
    discord: {
      tokens: [DEV_DISCORD.token],
      applicationId: DEV_DISCORD.applicationId,
      ...(workerUrl ? { interactionsEndpointUrl: `${workerUrl}/webhooks/discord/interactions` } : {}),
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: String(DEV_EMULATOR_PORT) },
      host: { type: "string", default: DEV_EMULATOR_HOST },
      token: { type: "string", multiple: true },
      "app-id": { type: "string" },
      "app-slug": { type: "string" },
      "app-public-key": { type: "string" },
    },
  });
  const keyFile = values["app-public-key"];
  const options = devOptions(
    keyFile
      ? {
          id: values["app-id"] ? Number(values["app-id"]) : undefined,
          slug: values["app-slug"],
          publicKeyPem: readFileSync(keyFile, "utf8"),
        }
      : undefined,
  );
  if (values.token) options.github.tokens.push(...values.token);
  const running = await startEmulator({ ...options, port: Number(values.port), host: values.host });
  console.log(`Switchboard emulator listening on ${running.url}`);
  console.log(`  GITHUB_API_URL=${running.url}/github   (token: ${DEV_GITHUB_TOKEN})`);
  console.log(`  SLACK_API_URL=${running.url}/slack/   (token: ${DEV_SLACK.token})`);
  console.log(`  LINEAR_API_URL=${running.url}/linear/graphql   (key: ${DEV_LINEAR.apiKey})`);
  console.log(`  control API:   ${running.url}/_emulator/calls`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
