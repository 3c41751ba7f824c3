import { readdirSync, readFileSync } from 'node:fs';

/**
 * The processes of a browser launched on `profileDir`, found by that folder in
 * their command line. Playwright does not hand out the process of a
 * persistent context (`context.browser()` is null there), and Debian's
 * /usr/bin/chromium is a shell script, so the pid Node spawned is not always
 * the browser's. A fresh temp folder per launch makes the match exact.
 */
export function processesUsingProfile(profileDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch (error) {
      // The process ended between the listing and the read: it is not ours to kill.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH')
        continue;
      throw error;
    }
    if (commandLine.split('\0').some((arg) => arg.includes(profileDir))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Kills every process of the browser on `profileDir` with SIGKILL: no unload
 * handler, no IndexedDB shutdown, no flush, as in a crash. Returns the pids killed.
 */
export function killBrowserOnProfile(profileDir: string): number[] {
  const pids = processesUsingProfile(profileDir);
  if (pids.length === 0) throw new Error(`no browser process runs on ${profileDir}`);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  return pids;
}
