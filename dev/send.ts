// `npm run dev:send -- [--title T] [--body B] [--url http://127.0.0.1:8787]`: opens a GitHub
// issue on the running dev server, signed with the dev secret, and prints the bot's answer.
import { parseArgs } from "node:util";
import { DEV_WORKER_PORT, resolveDevVars } from "./defaults.ts";
import { DEMO_ISSUE, sendDemoIssue } from "./demo.ts";
import { DEV_EMULATOR_HOST, DEV_EMULATOR_PORT } from "./emulator/defaults.ts";
import { ROOT } from "./workerd.ts";

const { values } = parseArgs({
  options: {
    title: { type: "string", default: DEMO_ISSUE.title },
    body: { type: "string", default: DEMO_ISSUE.body },
    url: { type: "string", default: `http://127.0.0.1:${DEV_WORKER_PORT}` },
    emulator: { type: "string", default: `http://${DEV_EMULATOR_HOST}:${DEV_EMULATOR_PORT}` },
  },
});
const { vars } = resolveDevVars(ROOT, values.emulator);
const result = await sendDemoIssue(values.url, values.emulator, vars.GITHUB_WEBHOOK_SECRET ?? "", {
  title: values.title,
  body: values.body,
});
console.log(`Worker answered ${result.status}: ${JSON.stringify(result.response)}`);
if (result.comment !== undefined) console.log(`\nLabels: ${result.labels?.join(", ") || "(none)"}\n\n${result.comment}`);
else if (result.status === 200) {
  console.log("No comment within 30 s; see the emulator's /_emulator/calls.");
  process.exitCode = 1;
}
