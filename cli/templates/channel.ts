// What `switchboard add channel <name>` writes: a channel folder whose every part compiles and
// says what is left ("not implemented: …"), a contract adapter and its test, and BLUEPRINT.md.
// The contract test's first case lists everything left, read from these markers.

export interface ChannelNames {
  /** As the registry and conversation keys spell it ("my-chat"). */
  readonly name: string;
  /** Its values and functions ("myChat"). */
  readonly camel: string;
  /** Its types ("MyChat"). */
  readonly pascal: string;
  /** Its variables' prefix ("MY_CHAT"). */
  readonly upper: string;
}

export function channelNames(name: string): ChannelNames {
  const camel = name.replace(/-+([a-z0-9])/g, (_, next: string) => next.toUpperCase());
  return { name, camel, pascal: camel[0]!.toUpperCase() + camel.slice(1), upper: name.replace(/-/g, "_").toUpperCase() };
}

export function channelFiles(n: ChannelNames): Record<string, string> {
  return {
    [`channels/${n.name}/config.ts`]: config(n),
    [`channels/${n.name}/target.ts`]: target(n),
    [`channels/${n.name}/verify.ts`]: verify(n),
    [`channels/${n.name}/normalize.ts`]: normalize(n),
    [`channels/${n.name}/outbound.ts`]: outbound(n),
    [`channels/${n.name}/index.ts`]: index(n),
    [`channels/${n.name}/README.md`]: readme(n),
    [`channels/${n.name}/BLUEPRINT.md`]: blueprint(n),
    [`test/contract/${n.name}.ts`]: contractAdapter(n),
    [`test/contract/${n.name}.test.ts`]: contractTest(n),
  };
}

function config({ name, pascal, upper }: ChannelNames): string {
  return `import { z } from "zod";

export interface ${pascal}Config {
  readonly botName: string;
  /** What ${name} signs its deliveries with. */
  readonly signingSecret: string;
  /** What the bot authenticates its API calls with. */
  readonly token: string;
  /** API root: ${name}'s, or the emulator's in development and tests. */
  readonly apiUrl: string;
}

/** Issues name the variable, never its value; a value that cannot be parsed is an issue, not an exception. */
export const ${pascal}Config: z.ZodType<${pascal}Config> = z
  .object({
    BOT_NAME: z.string().min(1),
    ${upper}_SIGNING_SECRET: z.string().min(1),
    ${upper}_TOKEN: z.string().min(1),
    // Give it ${name}'s own API root as the default (BLUEPRINT.md step 5).
    ${upper}_API_URL: z.url(),
  })
  .transform((env) => ({
    botName: env.BOT_NAME,
    signingSecret: env.${upper}_SIGNING_SECRET,
    token: env.${upper}_TOKEN,
    apiUrl: env.${upper}_API_URL.replace(/\\/+$/, ""),
  }));
`;
}

function target({ name, pascal }: ChannelNames): string {
  return `import { z } from "zod";

/**
 * Exactly what outbound.ts needs to answer in place (a thread, a room, an issue). The ingress
 * checks every event's \`replyTo\` with it, and the runtime checks it again before use.
 * Replace \`conversation\` with ${name}'s own ids (BLUEPRINT.md step 4).
 */
export const ${pascal}Target = z.object({ conversation: z.string().min(1) });
export type ${pascal}Target = z.infer<typeof ${pascal}Target>;
`;
}

function verify({ name, camel, pascal }: ChannelNames): string {
  return `import type { InboundRequest, Verdict } from "../../src/channel.ts";

/**
 * Checks ${name}'s signature over the exact body bytes with WebCrypto (constant time), and its
 * timestamp's freshness both ways. Pure: bytes, headers, the secret and \`request.now\` in, a typed
 * verdict out (see channels/slack/verify.ts and channels/github/verify.ts).
 */
export async function verify${pascal}Signature(request: InboundRequest, secret: string): Promise<Verdict> {
  throw new Error("not implemented: channels/${name}/verify.ts verify${pascal}Signature — ${name}'s signature scheme over request.body (BLUEPRINT.md step 2)");
}

/** The signature header ${name} would send for \`body\` (the contract adapter, replay and dev tools sign with it). */
export async function ${camel}Signature(secret: string, body: string | Uint8Array, timestamp?: number): Promise<string> {
  throw new Error("not implemented: channels/${name}/verify.ts ${camel}Signature — sign as ${name} does (BLUEPRINT.md step 2)");
}
`;
}

function normalize({ name, pascal }: ChannelNames): string {
  return `import type { InboundRequest, Interpretation } from "../../src/channel.ts";
import type { ${pascal}Config } from "./config.ts";

/**
 * A verified delivery → one NormalizedEvent (src/event.ts), or the reason it starts nothing. Read
 * every field through a zod schema first (src/payload.ts): what the schema refuses is a 400 naming
 * the field. \`dedupeId\` is ${name}'s delivery id; \`conversationKey\` is \`${name}:{…}\`, documented in
 * README.md; \`actor.isSelf\` marks the bot's own messages.
 */
export function interpret${pascal}(request: InboundRequest, config: ${pascal}Config): Interpretation {
  throw new Error("not implemented: channels/${name}/normalize.ts interpret${pascal} — read ${name}'s deliveries into normalized events (BLUEPRINT.md step 3)");
}
`;
}

function outbound({ name, camel, pascal }: ChannelNames): string {
  return `import type { Outbound } from "../../src/channel.ts";
import type { ${pascal}Config } from "./config.ts";
import type { ${pascal}Target } from "./target.ts";

/**
 * Answers in place, exactly once per \`effect.idempotencyKey\`: every post carries a ${name}-side
 * marker (a hidden marker in the text, metadata, a client-chosen id or nonce), and with
 * \`effect.replay\` it looks for that marker before posting. Calls go through src/retry.ts.
 */
export function ${camel}Outbound(target: ${pascal}Target, config: ${pascal}Config): Outbound {
  return {
    async reply(markdown, effect) {
      throw new Error("not implemented: channels/${name}/outbound.ts reply — post the answer in place with a ${name}-side idempotency marker (BLUEPRINT.md step 4)");
    },
  };
}
`;
}

function index({ name, camel, pascal, upper }: ChannelNames): string {
  return `import { defineChannel } from "../../src/channel.ts";
import { ${pascal}Config } from "./config.ts";
import { interpret${pascal} } from "./normalize.ts";
import { ${camel}Outbound } from "./outbound.ts";
import { ${pascal}Target } from "./target.ts";
import { verify${pascal}Signature } from "./verify.ts";

export const ${camel} = defineChannel({
  name: "${name}",
  enabledBy: "${upper}_SIGNING_SECRET",
  config: ${pascal}Config,
  routes: [
    {
      path: "/webhooks/${name}",
      contentTypes: ["application/json"],
      verify: (request, config) => verify${pascal}Signature(request, config.signingSecret),
      interpret: interpret${pascal},
    },
  ],
  target: ${pascal}Target,
  outbound: ${camel}Outbound,
});
`;
}

function readme({ name, upper }: ChannelNames): string {
  return `# ${name} channel

Work in progress: [BLUEPRINT.md](BLUEPRINT.md) lists what is left. Replace each section below with
what the finished channel does.

| file | what it does |
| --- | --- |
| \`verify.ts\` | the signature over the exact body bytes, constant time; the timestamp's freshness |
| \`normalize.ts\` | ${name} delivery → normalized event, or the reason it starts no turn |
| \`config.ts\` | \`${upper}_*\` variables, validated with zod |
| \`target.ts\` | where a reply goes |
| \`outbound.ts\` | the reply, with its idempotency marker |

## What starts a turn

(which deliveries, when, and which conversation each belongs to; what is ignored and why)

Conversation key: \`${name}:{…}\`. Dedupe id: (${name}'s delivery id).

## Setting it up

1. (the app or bot on ${name}, its scopes or permissions)
2. Webhook URL: \`https://<worker>/webhooks/${name}\`; subscribe to: (the events)
3. \`npx wrangler secret put ${upper}_SIGNING_SECRET\`, \`npx wrangler secret put ${upper}_TOKEN\`
`;
}

function blueprint({ name, camel, pascal, upper }: ChannelNames): string {
  return `# Blueprint: the ${name} channel

What is left to make \`${name}\` a channel like the others, in order. A person or a coding agent
can follow it step by step; channels/README.md explains the why. Each step names the file, what
it must do, and how to check it. Every unfinished part throws \`not implemented: …\` with its
step number, and the contract test lists them all:

\`\`\`sh
npx vitest run test/contract/${name}.test.ts   # "has nothing left to do" lists what is left
\`\`\`

## 1. Learn ${name}'s side

Write down, from ${name}'s own documentation (every later step uses it):

| | ${name} | for comparison |
| --- | --- | --- |
| signature | header, algorithm, what exactly is signed | Slack: \`X-Slack-Signature\` = \`v0=\` HMAC-SHA256 of \`v0:{timestamp}:{body}\`; GitHub: \`X-Hub-Signature-256\` = \`sha256=\` HMAC-SHA256 of the body; Linear: \`Linear-Signature\` = hex HMAC-SHA256 of the body; Discord: Ed25519 over timestamp + body |
| freshness | timestamp header or field, the window | Slack ±300 s (header); Linear 60 s (\`webhookTimestamp\` in the signed body); GitHub none (the delivery id is the replay protection) |
| delivery id | what a redelivery repeats | \`X-GitHub-Delivery\`, Slack's \`event_id\`, \`Linear-Delivery\`, the interaction id |
| events to subscribe to | the ones that should start a turn | GitHub: issues, issue_comment, pull_request…; Slack: app_mention, message.im… |
| handshakes | URL checks, pings | Slack \`url_verification\`, GitHub \`ping\`, Discord PING |
| replies | the API call, and the marker that makes it idempotent | hidden \`<!-- switchboard:KEY -->\` (GitHub, Linear), message metadata (Slack), \`nonce\` + \`enforce_nonce\` (Discord) |
| rate limits | status, headers | 429 + \`Retry-After\` |
| identity | the "who am I" endpoint, for \`switchboard doctor\` | Slack \`auth.test\`, GitHub \`GET /user\`, Linear \`viewer\`, Discord \`GET /users/@me\` |

## 2. \`verify.ts\`: the signature scheme

\`verify${pascal}Signature(request, secret)\`: a pure function over \`request.body\` (the exact bytes),
the headers, the secret and \`request.now\`, returning \`{ ok: true }\` or \`{ ok: false, reason }\`
(\`missing-signature\`, \`malformed-signature\`, \`bad-signature\`, \`missing-timestamp\`,
\`stale-timestamp\`, \`future-timestamp\`). Compare with \`crypto.subtle.verify\` (constant time); keys
from \`src/crypto.ts\`. No \`node:\` imports (test/node/boundaries.test.ts). Also
\`${camel}Signature(secret, body, timestamp?)\`, which signs as ${name} does: the contract adapter,
\`switchboard replay\` and the dev tools use it. 16–44 lines, like the others.

## 3. \`normalize.ts\`: the events

\`interpret${pascal}(request, config)\` → \`{ type: "event", event }\`, \`{ type: "ignore", reason }\`
(202 with the reason), \`{ type: "respond", … }\` for handshakes, or \`{ type: "malformed" }\`. Parse
every field it reads with zod first (\`src/payload.ts\`: \`parseJsonBody\`, \`malformed\`), so a bad
field is a 400 naming it. Fill the event: \`channel: "${name}"\`, \`dedupeId\` (the delivery id),
\`conversationKey\` (\`${name}:{…}\`, one per thread or issue), \`kind\` (\`mention\`, \`message\`,
\`comment\`…), \`actor\` with \`isSelf\` for the bot's own messages and \`isBot\`, plain \`text\` with
the bot's mention removed, \`addressedToBot\`, \`occurredAt\`, and \`replyTo\` in \`target.ts\`'s shape.

## 4. \`target.ts\` and \`outbound.ts\`: the replies

\`${pascal}Target\`: exactly what a reply needs (the conversation's ids). \`${camel}Outbound(target,
config).reply(markdown, effect)\` posts once per \`effect.idempotencyKey\`: the post carries a
${name}-side marker, and with \`effect.replay\` it first looks for the marker and returns what it
finds. Format Markdown for ${name} and split long answers (\`src/format/split.ts\`). Send calls
through \`src/retry.ts\` so a short 429 is waited out and a long one fails as transient. Optional:
\`working(on)\` (typing, a reaction) and \`progress(step)\`; \`tools.ts\` with
\`channelTools<${pascal}Target, ${pascal}Config>("${name}")\`.

## 5. \`config.ts\`: the variables

\`${upper}_SIGNING_SECRET\` enables the channel (\`enabledBy\` in \`index.ts\`); \`${upper}_TOKEN\`
authenticates the bot; \`${upper}_API_URL\` gets ${name}'s API root as its default. Add what else it
needs (allowlists with \`listVariable\`). Then: the variables table in the top-level README.md,
\`.dev.vars.example\`, and \`dev/defaults.ts\` (dev values, \`${upper}_API_URL\` pointing at the emulator).

## 6. The registry line

\`channels/index.ts\`: \`import { ${camel} } from "./${name}/index.ts";\` and add \`${camel}\` to
\`channels\`. (A channel with a Durable Object of its own also adds a line to
\`channels/durable-objects.ts\`, a class line in \`src/worker.ts\` and a binding in \`wrangler.toml\`.)

## 7. The emulator

\`dev/emulator/${name}.ts\`: every endpoint the channel calls, in ${name}'s own shapes (its official
types if it publishes them), its error bodies and rate-limit headers, auth on every route, state
for the contract to read back, mounted in \`dev/emulator/app.ts\`; \`"${name}"\` in \`Platform\` and
\`PLATFORMS\` (\`dev/emulator/core.ts\`); its options in \`devOptions\` (\`dev/emulator/server.ts\`) and
the test setup (\`test/global-setup.ts\`); a section in \`dev/emulator/README.md\`. And
\`dev/${name}-events.ts\`: deliveries built and signed as ${name} sends them, shared by the
playground and the tests.

## 8. The contract adapter

\`test/contract/${name}.ts\`: each function of \`${camel}Contract\` (places, sign, ack, postedReplies,
hold, replyCalls, ownMessage) in ${name}'s real shapes, through the emulator; see
\`test/contract/github.ts\`. Add the conversation key's format to \`DOCUMENTED_KEY\` in
\`test/contract/contract.ts\`, and the test bindings to \`vitest.config.ts\`. Done when
\`npx vitest run test/contract/${name}.test.ts\` passes; then \`whatIsLeft\` can go.

## 9. The CLI and the fuzz suite

- \`cli/signers.ts\`: a \`${name}\` signer, so \`switchboard replay\` can re-sign its deliveries.
- \`cli/doctor/identity.ts\` and \`cli/doctor/setup.ts\`: its identity call and the settings to
  enable, so \`switchboard doctor\` checks it.
- \`test/ingress-fuzz.test.ts\`: its deliveries as bases.

## 10. The guide

\`channels/${name}/README.md\` (what it handles and ignores, the setup on ${name}'s side, the
variables) and a row in \`channels/README.md\`'s table. Delete this file when every step is done.
`;
}

function contractAdapter({ name, camel, pascal }: ChannelNames): string {
  return `// ${name} under the channel contract. Written by \`switchboard add channel ${name}\`: each part throws
// until it is written (channels/${name}/BLUEPRINT.md, step 8); \`whatIsLeft\` lists them all.
import { channels } from "../../channels/index.ts";
import { emulatorUrl } from "../support/emulator.ts";
import { DOCUMENTED_KEY, ingressAck, type ChannelContract, type Place } from "./contract.ts";

/** A conversation on ${name}, seeded fresh for one test: add the ids a delivery and a reply need. */
interface ${pascal}Place extends Place {}

export const ${camel}Contract: ChannelContract<${pascal}Place> = {
  channel: "${name}",
  places: {
    "a message that mentions the bot": async () => {
      throw new Error("not implemented: test/contract/${name}.ts places — seed a conversation on the emulated ${name} and return its documented key (BLUEPRINT.md step 8)");
    },
  },
  async sign() {
    throw new Error("not implemented: test/contract/${name}.ts sign — the place's delivery as a Worker request, signed as ${name} signs (BLUEPRINT.md step 8)");
  },
  signsTimestamp: true,
  ack: ingressAck,
  async postedReplies() {
    throw new Error("not implemented: test/contract/${name}.ts postedReplies — the bot's replies, read from the emulator's state (BLUEPRINT.md step 8)");
  },
  hold() {
    throw new Error("not implemented: test/contract/${name}.ts hold — the emulator call that posts the reply (BLUEPRINT.md step 8)");
  },
  async replyCalls() {
    throw new Error("not implemented: test/contract/${name}.ts replyCalls — the recorded reply calls for the place (BLUEPRINT.md step 8)");
  },
  async ownMessage() {
    throw new Error("not implemented: test/contract/${name}.ts ownMessage — ${name} echoing the bot's own message (BLUEPRINT.md step 8)");
  },
};

/** The marker every unfinished part throws; built in two pieces so this file's own code is not one. */
const UNFINISHED = new RegExp('"' + "not implemented" + ': ([^"]+)"', "g");

/**
 * What is left before ${name} meets the contract, read from the code as it is: every unfinished
 * part of the channel and of this adapter, and the lines the channel still lacks elsewhere.
 */
export async function whatIsLeft(): Promise<string[]> {
  const sources = [
    ...Object.values(import.meta.glob<string>("../../channels/${name}/*.ts", { query: "?raw", import: "default", eager: true })),
    // This file's own text (a glob leaves out the file it is in).
    (await import("./${name}.ts?raw")).default,
  ];
  const left = sources.flatMap((source) => [...source.matchAll(UNFINISHED)].map((match) => match[1]!));
  if (!channels.some((channel) => channel.name === "${name}")) left.push("channels/index.ts: ${name} is not in the registry (BLUEPRINT.md step 6)");
  const emulated = ((await (await fetch(\`\${emulatorUrl}/_emulator/health\`)).json()) as { platforms: string[] }).platforms;
  if (!emulated.includes("${name}")) left.push("dev/emulator/${name}.ts: the emulator does not serve ${name} (BLUEPRINT.md step 7)");
  if (!("${name}" in DOCUMENTED_KEY)) left.push("test/contract/contract.ts: DOCUMENTED_KEY has no format for ${name} keys (BLUEPRINT.md step 8)");
  return left;
}
`;
}

function contractTest({ name, camel }: ChannelNames): string {
  return `// The ${name} channel against the contract every channel meets (test/contract/contract.ts).
import { describe, expect, it } from "vitest";
import { describeChannelContract } from "./contract.ts";
import { ${camel}Contract, whatIsLeft } from "./${name}.ts";

describe("the ${name} channel", () => {
  it("has nothing left to do (channels/${name}/BLUEPRINT.md)", async () => {
    expect(await whatIsLeft()).toEqual([]);
  });
});

describeChannelContract(${camel}Contract);
`;
}

/** What to do right after the files are written. */
export function channelNextSteps({ name }: ChannelNames): string {
  return `Next: channels/${name}/BLUEPRINT.md, step by step. What is left, at any time:

  npx vitest run test/contract/${name}.test.ts

Its first test lists every unfinished part; the contract's tests pass once ${name} answers
like the other channels.`;
}
