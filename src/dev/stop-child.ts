/** Stopping child processes that Kirim starts (gammu-smsd, the gateway, servers in tests). */
import type { ChildProcess } from 'node:child_process';

/** Sends `signal` to a child and waits for its exit; SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, { signal = 'SIGTERM', graceMs = 5000 }: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill(signal);
  });
}
