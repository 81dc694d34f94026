/**
 * Kannel's smsbox `sendsms` interface (https://www.kannel.org/download/1.4.5/userguide-1.4.5/userguide.html#AEN5058):
 * one GET per SMS with the sendsms-user's credentials, and delivery reports
 * through `dlr-url`, which Kannel calls with its escape codes filled in —
 * `%d` the report type, `%A` the SMSC's answer, `%T` the time.
 *
 * Answers: 202 `0: Accepted for delivery` or `3: Queued for later delivery`
 * mean bearerbox took it; 4xx (`Not routable. Do not try again.`,
 * authorization failed, bad parameters) are final; 5xx are retried. Kannel
 * gives no message id in its answer: the history names Kannel's answer.
 *
 * Report types (`%d`): 1 delivered, 2 failed, 4 buffered (nothing to record),
 * 8 accepted by the SMSC (the message is `sent` if it was not already),
 * 16 rejected by the SMSC (failed).
 */
import type { KannelProviderConfig } from './config.js';
import { retryableStatus, type OutgoingSms, type ProviderAdapter, type ReportInput, type ReportVerdict, type SendVerdict } from './types.js';

export function createKannelProvider(config: KannelProviderConfig): ProviderAdapter {
  return {
    config,
    request(sms: OutgoingSms) {
      const q = new URLSearchParams({ username: config.username, password: config.password, to: sms.to, text: sms.text, charset: 'UTF-8' });
      // UCS-2 for texts GSM 03.38 cannot carry (Kannel converts from UTF-8).
      if (sms.encoding === 'ucs2') q.set('coding', '2');
      if (config.from) q.set('from', config.from);
      if (config.smsc) q.set('smsc', config.smsc);
      if (config.dlr_mask > 0) {
        q.set('dlr-mask', String(config.dlr_mask));
        // Kannel fills in %d (type), %A (SMSC answer) and %T (time) when it calls back.
        q.set('dlr-url', `${sms.callbackUrl}&type=%d&answer=%A&time=%T`);
      }
      const sep = config.url.includes('?') ? '&' : '?';
      return { url: `${config.url}${sep}${q.toString()}`, method: 'GET', headers: {} };
    },

    interpret(status: number, body: string): SendVerdict {
      const text = body.trim().slice(0, 300) || 'no details';
      if (status >= 200 && status < 300) return { outcome: 'accepted', detail: `answered ${status} ${text}` };
      return retryableStatus(status) ? { outcome: 'retry', detail: `answered ${status} ${text}` } : { outcome: 'rejected', detail: `answered ${status} ${text}` };
    },

    report({ query }: ReportInput): ReportVerdict | string {
      const type = Number(query.type);
      const answer = (query.answer ?? '').slice(0, 200);
      const said = answer ? `: ${answer}` : '';
      switch (type) {
        case 1:
          return { status: 'delivered', detail: `delivery report ${type} (delivered)${said}` };
        case 2:
          return { status: 'failed', detail: `delivery report ${type} (delivery failed)${said}` };
        case 16:
          return { status: 'failed', detail: `delivery report ${type} (rejected by the SMSC)${said}` };
        case 8:
          return { status: 'sent', detail: `delivery report ${type} (accepted by the SMSC)${said}` };
        case 4:
          return { status: 'ignored', detail: `delivery report ${type} (buffered)` };
        default:
          return `type must be one of Kannel's report types 1, 2, 4, 8, 16 (got ${JSON.stringify(query.type ?? null)})`;
      }
    },
  };
}
