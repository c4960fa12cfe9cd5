// `npm run dev`: the platform emulator, then the Worker in workerd pointed at it, with dev
// secrets unless .dev.vars says otherwise; then one demo event so you see the bot work.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolveDevVars, DEV_WORKER_PORT } from "./defaults.ts";
import { sendDemoIssue } from "./demo.ts";
import { DEV_EMULATOR_PORT } from "./emulator/defaults.ts";
import { devOptions, startEmulator } from "./emulator/server.ts";
import { createPlayground } from "./playground/server.ts";
import { portInUse, ROOT, startWorker } from "./workerd.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: String(DEV_WORKER_PORT) },
    "emulator-port": { type: "string", default: String(DEV_EMULATOR_PORT) },
    demo: { type: "boolean", default: true },
    "no-demo": { type: "boolean", default: false },
    "persist-to": { type: "string", default: join(ROOT, ".wrangler/state") },
  },
});

const emulatorPort = Number(values["emulator-port"]);
const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
const workerUrl = `http://127.0.0.1:${values.port}`;
for (const [port, what, flag] of [
  [emulatorPort, "the emulator and playground", "--emulator-port"],
  [Number(values.port), "the Worker", "--port"],
] as const) {
  if (await portInUse(port)) {
    console.error(
      `Port ${port} (${what}) is already in use, often by an earlier \`npm run dev\` still running.\n` +
        `Stop it (see what holds the port: \`ss -ltnp 'sport = :${port}'\` or \`lsof -i :${port}\`), ` +
        `or pick another port: \`npm run dev -- ${flag} <port>\`.`,
    );
    process.exit(1);
  }
}
const { vars, overridden } = resolveDevVars(ROOT, emulatorUrl);
const emulator = await startEmulator({
  ...devOptions(undefined, workerUrl),
  port: emulatorPort,
  front: createPlayground({ workerUrl, emulatorUrl, vars }),
});
const worker = await startWorker({
  vars,
  port: Number(values.port),
  persistTo: values["persist-to"],
});
worker.process.stdout?.pipe(process.stdout);
worker.process.stderr?.pipe(process.stderr);

const health = (await (await fetch(`${worker.url}/health`)).json()) as { enabled: string[]; model: string };
console.log(`
Switchboard is running locally: workerd, the ${health.model} model, emulated platforms.

  Playground  ${emulator.url}/          act as a user on each platform, watch the agent live
  Worker      ${worker.url}          webhooks at /webhooks/<channel>, status at /health
  Emulator    ${emulator.url}          every call the bot makes: ${emulator.url}/_emulator/calls
  Channels    ${health.enabled.join(", ") || "none"}${overridden.length ? `\n  .dev.vars   overrides ${overridden.join(", ")}` : ""}

Send another event:  npm run dev:send -- --title "..." --body "..."
`);

if (values.demo && !values["no-demo"]) {
  const demo = await sendDemoIssue(worker.url, emulator.url, vars.GITHUB_WEBHOOK_SECRET ?? "");
  if (demo.comment) {
    console.log(`Demo: a GitHub issue was opened; the bot labelled it [${demo.labels?.join(", ")}] and commented:\n`);
    console.log(demo.comment.replace(/\n*<!-- switchboard:.*-->\s*$/, "").replace(/^/gm, "    "), "\n");
  } else {
    console.log(`Demo event answered ${demo.status}: ${JSON.stringify(demo.response)}`);
  }
}

let stopping = false;
async function shutdown() {
  stopping = true;
  worker.kill("SIGTERM");
  await Promise.race([worker.exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  worker.kill("SIGKILL");
  await emulator.close();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
worker.exited.then((code) => {
  if (stopping) return;
  console.error(`wrangler dev exited (${code})`);
  void emulator.close().then(() => process.exit(code ?? 1));
});
