// How the CLI talks: progress lines on stderr (a spinner on a terminal), results on stdout.
import ora from "ora";

/**
 * Runs one check with a progress line: a spinner while it runs on a terminal, one line per
 * state otherwise (CI, tests). The line ends ✔ or ✖ with what the check returned.
 */
export async function withProgress<T>(label: string, run: () => Promise<T>, describe: (result: T) => { ok: boolean; text: string }): Promise<T> {
  const spinner = ora({ text: label, stream: process.stderr }).start();
  try {
    const result = await run();
    const { ok, text } = describe(result);
    if (ok) spinner.succeed(`${label}: ${text}`);
    else spinner.fail(`${label}: ${text}`);
    return result;
  } catch (error) {
    spinner.fail(`${label}: ${error instanceof Error ? error.message : String(error)}`);
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
