// How the CLI talks: progress lines on stderr (a spinner on a terminal), results on stdout.
import ora from "ora";

/**
 * Runs one check with a progress line: a spinner while it runs on a terminal, one line per
 * state otherwise (CI, tests). The line ends ✔ or ✖ with what the check returned.
 */
export async function withProgress<T>(label: string, run: () => Promise<T>, describe: (result: T) => { ok: boolean; text: string }): Promise<T> {
  const spinner = ora({ text: label, stream: process.stderr }).start();
  // ora's coloured symbols would put escape codes in a log file; plain ones there.
  const colour = process.stderr.isTTY && !process.env.NO_COLOR;
  const end = (ok: boolean, text: string) =>
    colour ? (ok ? spinner.succeed(text) : spinner.fail(text)) : spinner.stopAndPersist({ symbol: ok ? "✔" : "✖", text });
  try {
    const result = await run();
    const { ok, text } = describe(result);
    end(ok, `${label}: ${text}`);
    return result;
  } catch (error) {
    end(false, `${label}: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

/** Columns padded to their widest cell: a table that reads the same on a terminal and in a log. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}
