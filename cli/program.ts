// The commands of `npx switchboard` (cli/main.ts runs them): scaffold agents and channels, check
// a configuration, replay a delivery, inspect and re-run conversations, register Discord's
// commands and run its Gateway. Every command has --help.
import { Argument, Command } from "commander";
import type { GatewayAction } from "./commands/operator.ts";
import { CliError, DEV_WORKER_URL, PROJECT_ROOT, readVariables, workerUrl, type VariableOptions } from "./project.ts";

// Each command's module is loaded when it runs: --help and the light commands need not load the
// channels, the SDKs or wrangler.

/** --env-file and --dev: where the Worker's variables (secrets, ADMIN_TOKEN) are read from. */
function withVariables(command: Command): Command {
  return command
    .option("--env-file <path>", "read the Worker's variables from this dotenv file (default: .dev.vars)")
    .option("--dev", "use the variables `npm run dev` runs with (its dev defaults, .dev.vars on top)");
}

function withWorker(command: Command): Command {
  return command.option("--to <worker-url>", "the Worker to call", DEV_WORKER_URL);
}

const variablesOf = (options: VariableOptions) => readVariables(options);

function program(): Command {
  const cli = new Command("switchboard")
    .description("Build, check and operate a Switchboard bot.")
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });

  const add = cli.command("add").description("write a new agent or channel from a template");
  add
    .command("agent")
    .description("write agents/<name>/ (instructions, a definition with one tool) and a test that runs one turn offline")
    .argument("<name>", "lower-case letters, digits and -, starting with a letter")
    .action(async (name: string) => {
      const { addAgent } = await import("./commands/add-agent.ts");
      const { files, next } = addAgent(PROJECT_ROOT, name);
      console.log(`${files.map((file) => `Created ${file}`).join("\n")}\n\n${next}`);
    });
  add
    .command("channel")
    .description("write channels/<name>/ skeletons wired to the contract suite, and BLUEPRINT.md: every step left")
    .argument("<name>", "the platform, lower-case (e.g. matrix)")
    .action(async (name: string) => {
      const { addChannel } = await import("./commands/add-channel.ts");
      const { files, next } = addChannel(PROJECT_ROOT, name);
      console.log(`${files.map((file) => `Created ${file}`).join("\n")}\n\n${next}`);
    });

  withVariables(
    cli
      .command("doctor")
      .description("check a configuration: variables against the Worker's own schemas, then each platform's credentials")
      .option("--remote", "check the deployed Worker: its secret names (wrangler secret list) and its /health")
      .option("--worker-url <url>", "the Worker's URL, to print each platform's webhook URL; with --remote, or for a Worker on this machine (npm run dev's), its /health and installations are checked too"),
  ).action(async (options: VariableOptions & { remote?: boolean; workerUrl?: string }) => {
    const { doctor } = await import("./commands/doctor.ts");
    process.exitCode = await doctor({ ...options, ...(options.workerUrl ? { workerUrl: workerUrl(options.workerUrl) } : {}) });
  });

  withWorker(
    withVariables(
      cli
        .command("replay")
        .description("re-sign a stored delivery with the configured secret and post it to the Worker")
        .argument("[file]", "a saved delivery: JSON with platform, body, and optional headers and path")
        .option("--delivery <id>", "a delivery the playground or the dev tools sent, from the emulator's record")
        .option("--emulator <url>", "the emulator that recorded it", "http://127.0.0.1:8790"),
    ),
  ).action(async (file: string | undefined, options: VariableOptions & { delivery?: string; emulator: string; to: string }) => {
    const { replay } = await import("./commands/replay.ts");
    console.log(await replay({ file, delivery: options.delivery, emulator: options.emulator, to: workerUrl(options.to), variables: variablesOf(options) }));
  });

  withWorker(
    withVariables(
      cli
        .command("inspect")
        .description("show a conversation: its owner, inbox, failed turns with their journals, history size")
        .argument("<conversation-key>", "e.g. 'github:acme/app#12' or 'slack:T0123:C0456:1700000000.000100'")
        .option("--content", "include message text, tool outputs and the history (off by default)")
        .option("--json", "print the report as JSON"),
    ),
  ).action(async (key: string, options: VariableOptions & { to: string; content?: boolean; json?: boolean }) => {
    const { formatReport, inspectConversation } = await import("./commands/operator.ts");
    const report = await inspectConversation({ to: workerUrl(options.to), variables: variablesOf(options) }, key, { content: options.content ?? false });
    console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  });

  withWorker(
    withVariables(
      cli
        .command("rerun")
        .description("put a failed turn back in its conversation's inbox; finished steps come from its journal")
        .argument("<conversation-key>", "the conversation")
        .argument("<seq>", "the failed turn's seq, as inspect shows it"),
    ),
  ).action(async (key: string, seq: string, options: VariableOptions & { to: string }) => {
    const { rerunTurn } = await import("./commands/operator.ts");
    console.log(await rerunTurn({ to: workerUrl(options.to), variables: variablesOf(options) }, key, seq));
  });

  const discord = cli.command("discord").description("Discord's application commands and Gateway connection");
  withVariables(
    discord
      .command("register")
      .description("register /triage and \"Triage this message\" with Discord (DISCORD_API_URL: the emulator in dev)")
      .option("--guild <id>", "one server only: the commands appear at once (global ones can take an hour)"),
  ).action(async (options: VariableOptions & { guild?: string }) => {
    const { registerDiscordCommands } = await import("./commands/discord-register.ts");
    console.log(await registerDiscordCommands(variablesOf(options), options.guild));
  });
  withWorker(
    withVariables(
      discord
        .command("gateway")
        .description("start, stop or show the Worker's Gateway connection (what @-mentions arrive over)")
        .addArgument(new Argument("<action>", "start, stop or status").choices(["start", "stop", "status"])),
    ),
  ).action(async (action: GatewayAction, options: VariableOptions & { to: string }) => {
    const { discordGateway } = await import("./commands/operator.ts");
    console.log(JSON.stringify(await discordGateway({ to: workerUrl(options.to), variables: variablesOf(options) }, action), null, 2));
  });

  cli.addHelpText("after", () => `\nEvery command (each has --help):\n${leaves(cli).map((line) => `  ${line}`).join("\n")}\n`);
  return cli;
}

/** The runnable commands under `command`, with their full path and arguments: `add agent <name>`. */
function leaves(command: Command, prefix: string[] = []): string[] {
  return command.commands
    .filter((child) => child.name() !== "help")
    .flatMap((child) => {
      const path = [...prefix, child.name()];
      if (child.commands.length > 0) return leaves(child, path);
      const args = child.registeredArguments.map((argument) => (argument.required ? `<${argument.name()}>` : `[${argument.name()}]`));
      return [`switchboard ${[...path, ...args].join(" ")}`.padEnd(52) + child.description()];
    });
}

try {
  await program().parseAsync(process.argv);
} catch (error) {
  // Errors the operator can act on are one line; anything else is a bug worth its stack.
  if (!(error instanceof CliError)) throw error;
  console.error(`switchboard: ${error.message}`);
  process.exitCode = error.exitCode;
}
