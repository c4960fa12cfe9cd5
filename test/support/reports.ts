// A complete bug report (steps, expected, actual, stack trace, version) the embedded model labels confidently.
export const CRASH_REPORT = {
  title: "App crashes with TypeError when saving settings",
  body: [
    "### Steps to reproduce",
    "1. Open settings",
    "2. Click save",
    "",
    "### Expected behavior",
    "Settings are saved.",
    "",
    "### Actual behavior",
    "The app crashes:",
    "```",
    "TypeError: Cannot read properties of undefined (reading 'id')",
    "    at save (settings.js:42:13)",
    "```",
    "",
    "Version: 2.3.1 on macOS 14.2",
  ].join("\n"),
};
