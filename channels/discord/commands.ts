import type { RESTPutAPIApplicationCommandsJSONBody } from "discord-api-types/v10";

export const COMMAND_NAMES = { slash: "triage", message: "Triage this message" } as const;

/** The application commands `npm run discord:register` installs. */
export const COMMANDS: RESTPutAPIApplicationCommandsJSONBody = [
  {
    type: 1,
    name: COMMAND_NAMES.slash,
    description: "Ask the triage bot about a bug report, feature request or question",
    options: [{ type: 3, name: "text", description: "What to triage", required: true, max_length: 4000 }],
  },
  { type: 3, name: COMMAND_NAMES.message },
];
