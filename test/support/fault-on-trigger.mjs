// Preloaded (node --import) into a `kirim dev` under test: once the file
// named by KIRIM_TEST_FAULT_TRIGGER exists, a timer throws, i.e. an
// uncaught error happens in kirim dev itself. Children (which inherit the
// environment) are left alone.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';

const trigger = process.env.KIRIM_TEST_FAULT_TRIGGER;
if (trigger && process.argv.includes('dev')) {
  const timer = setInterval(() => {
    if (!existsSync(trigger)) return;
    clearInterval(timer);
    throw new Error('injected fault');
  }, 50);
  timer.unref();
}
