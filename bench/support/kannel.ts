/**
 * Kannel on 127.0.0.1 for the comparison in bench/kannel.ts, on the rig the
 * tests use (test/support/kannel.ts): bearerbox with a `fake` SMSC, smsbox
 * serving `sendsms`, and Kannel's own `fakesmsc` as the SMS side. The SMS
 * fakesmsc reports are the count of messages handed to the SMS side.
 */
import { startKannelRig, type KannelStore } from '../../test/support/kannel.js';
import { sleep, type Cleanup } from './sms-rig.js';

export { freePort, kannelMissing, type KannelStore } from '../../test/support/kannel.js';

export interface Kannel {
  /** Base URL of smsbox's sendsms service. */
  sendsmsUrl: string;
  /** The query string of a sendsms request without `to` and `text`. */
  auth: string;
  /** SMS fakesmsc has received so far. */
  handed(): number;
  /** bearerbox and smsbox (their CPU is Kannel's share of the machine). */
  pids: number[];
  stop(): Promise<void>;
}

/**
 * Starts bearerbox (queue in memory, or `store-type = spool` in `dir`),
 * fakesmsc and smsbox, and resolves once one SMS went through all of them.
 */
export async function startKannel(cleanup: Cleanup, dir: string, store: KannelStore): Promise<Kannel> {
  // Access logs on, as a deployment has them (Kirim logs each request too).
  const rig = await startKannelRig(dir, { store, accessLogs: true });
  cleanup.add(`kannel in ${dir}`, () => rig.stop());
  const sendsmsUrl = new URL(rig.sendsmsUrl).origin;
  const auth = `username=${rig.username}&password=${rig.password}&from=KIRIM`;
  // One SMS all the way through before any measurement (fakesmsc connected, smsbox attached).
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${sendsmsUrl}/cgi-bin/sendsms?${auth}&to=%2B6281200000000&text=warm+up`).catch(() => undefined);
    if (res?.status === 202) break;
    if (Date.now() > deadline) throw new Error(`smsbox does not accept: ${res?.status} ${rig.output()}`);
    await sleep(200);
  }
  while (rig.received.length < 1) {
    if (Date.now() > deadline) throw new Error(`fakesmsc got nothing: ${rig.output()}`);
    await sleep(50);
  }
  return {
    sendsmsUrl,
    auth,
    handed: () => rig.received.length,
    pids: rig.pids(),
    stop: () => rig.stop(),
  };
}
