// Watches a parent process and takes a child's process group down once the parent is gone.
//   node dev/reaper.ts <parent pid> <child process group id>
//
// `wrangler dev` runs in a process group of its own, so it and workerd can be signalled together
// and a Ctrl-C reaches them through our shutdown, not twice. The price is that they outlive a
// parent killed with SIGKILL (a closed terminal, a CI timeout) and keep their ports. Node has no
// parent-death signal, so this small detached process polls instead.
const [parent, group] = process.argv.slice(2).map(Number);
const POLL_MS = 200;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which a recycled pid can do.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

if (!parent || !group) {
  console.error("usage: node dev/reaper.ts <parent pid> <child process group id>");
  process.exit(2);
}

const timer = setInterval(() => {
  if (!alive(-group)) process.exit(0);
  if (alive(parent)) return;
  try {
    process.kill(-group, "SIGKILL");
  } catch {
    // gone in the meantime
  }
  clearInterval(timer);
  process.exit(0);
}, POLL_MS);
