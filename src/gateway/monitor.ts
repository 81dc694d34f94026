/**
 * Modem health from `gammu-smsd-monitor`, which reads the running daemon's
 * shared memory (found by the config file's path). With the daemon stopped
 * it prints "Failed to map shared memory segment!" and exits 255. The child
 * is always killed after a timeout: a heartbeat must never hang on it.
 */
import { spawn } from 'node:child_process';
import type { ModemHealth } from '../protocol/gateway.js';

/**
 * Parses the CSV line `Client;PhoneID;IMEI;IMSI;Sent;Received;Failed;Battery%;Signal%`
 * (the client field is free text, so fields are taken from the right).
 */
export function parseMonitorOutput(stdout: string): ModemHealth | undefined {
  const lines = stdout.split('\n').filter((l) => l.split(';').length >= 9);
  const line = lines[lines.length - 1];
  if (!line) return undefined;
  const f = line.trim().split(';');
  const n = f.length;
  const num = (s: string | undefined) => {
    const v = Number(s);
    return s !== undefined && s !== '' && Number.isFinite(v) ? v : undefined;
  };
  const [imei, imsi] = [f[n - 7], f[n - 6]];
  const [sent, received, failed, battery, signal] = [f[n - 5], f[n - 4], f[n - 3], f[n - 2], f[n - 1]].map(num);
  const health: ModemHealth = { ok: true };
  if (imei) health.imei = imei.slice(0, 40);
  if (imsi) health.imsi = imsi.slice(0, 40);
  if (sent !== undefined && sent >= 0) health.sent = Math.trunc(sent);
  if (received !== undefined && received >= 0) health.received = Math.trunc(received);
  if (failed !== undefined && failed >= 0) health.failed = Math.trunc(failed);
  if (battery !== undefined && battery >= 0) health.battery_percent = Math.min(100, battery);
  if (signal !== undefined && signal >= 0) health.signal_percent = Math.min(100, signal);
  // gammu reports signal 0 when the modem does not answer, and a negative
  // value when the modem says "not known" (+CSQ: 99), i.e. not registered.
  if (signal !== undefined && signal <= 0) {
    health.ok = false;
    health.error = 'no signal (modem not answering or not registered)';
  }
  return health;
}

export interface MonitorOptions {
  smsdrc: string;
  timeoutMs?: number;
  /** The monitor program (tests point it elsewhere). */
  command?: string;
}

/** Runs gammu-smsd-monitor once and returns the modem's health; never throws. */
export function readModemHealth({ smsdrc, timeoutMs = 5000, command = 'gammu-smsd-monitor' }: MonitorOptions): Promise<ModemHealth> {
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const finish = (h: ModemHealth) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(h);
    };
    let child;
    try {
      child = spawn(command, ['-c', smsdrc, '-C', '-n', '1', '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      return finish({ ok: false, error: `cannot run ${command}: ${(err as Error).message}` });
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, error: `${command} did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 64 * 1024) out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (out.length < 64 * 1024) out += d.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish({ ok: false, error: err.code === 'ENOENT' ? `${command} is not installed` : `cannot run ${command}: ${err.message}` });
    });
    child.on('close', (code) => {
      const health = code === 0 ? parseMonitorOutput(out) : undefined;
      if (health) return finish(health);
      // The daemon's shared memory is mode 0744 and the monitor attaches it
      // read-write: another user gets "Permission denied" although it runs.
      const why = /Permission denied/i.test(out)
        ? `${command} may not read gammu-smsd's shared memory (permission denied): run the gateway as gammu-smsd's user or give it CAP_IPC_OWNER (deploy/systemd/kirim-gateway.service)`
        : /Failed to map shared memory/.test(out)
        ? 'gammu-smsd is not running with this config'
        : `${command} exited with ${code}: ${out.trim().split('\n').pop()?.slice(0, 200) ?? ''}`;
      finish({ ok: false, error: why });
    });
  });
}
