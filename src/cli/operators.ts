import { Command } from 'commander';
import { iso } from '../protocol/time.js';
import { createOperator, generatePassword, normalizeUsername, passwordProblem, USERNAME } from '../server/dashboard/operators.js';
import { isUniqueViolation } from '../server/store/index.js';
import { UserError } from './errors.js';
import { withServerOptions, withStore } from './shared-options.js';

/** Reads all of stdin; one trailing newline is not part of the password. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UserError('canceled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function checkUsername(raw: string): string {
  const username = normalizeUsername(raw);
  if (!USERNAME.test(username)) throw new UserError(`username ${JSON.stringify(raw)}: use 1-64 lower-case letters, digits, dots, dashes, underscores or @`);
  return username;
}

/**
 * `kirim operators create <username>` (password from --password-stdin, from
 * a prompt on a terminal, or made up and printed once with --generate),
 * `kirim operators list`, `kirim operators delete <username>` (ends their
 * sessions too). Operators sign in to the dashboard at /dashboard; only a
 * scrypt hash of the password is stored.
 */
export function operatorsCommand(): Command {
  const ops = new Command('operators').description('Manage the people who may sign in to the dashboard');
  ops.addCommand(
    withServerOptions(new Command('create').description('Create a dashboard operator').argument('<username>', 'the name to sign in with'))
      .option('--password-stdin', 'read the password from stdin (one line)')
      .option('--generate', 'make up a strong password and print it (shown once)')
      .action(async (rawName: string, flags) => {
        const username = checkUsername(rawName);
        if (flags.passwordStdin && flags.generate) throw new UserError('pass either --password-stdin or --generate, not both');
        let password: string;
        if (flags.generate) password = generatePassword();
        else if (flags.passwordStdin) password = await readStdin();
        else if (process.stdin.isTTY) {
          password = await prompt('Password: ');
          if ((await prompt('Again: ')) !== password) throw new UserError('the two passwords differ');
        } else throw new UserError('no password: pass --password-stdin (and pipe it in) or --generate');
        const problem = passwordProblem(password);
        if (problem) throw new UserError(problem);
        await withStore(flags, async (store) => {
          try {
            await createOperator(store, username, password);
          } catch (err) {
            if (isUniqueViolation(err)) throw new UserError(`operator ${username} already exists (delete it first to set a new password)`);
            throw err;
          }
        });
        if (flags.generate) process.stdout.write(`${password}\n`);
        process.stderr.write(`operator ${username} created; sign in at <server>/dashboard\n`);
      }),
  );
  ops.addCommand(
    withServerOptions(new Command('list').description('List the dashboard operators'))
      .option('--json', 'print the list as JSON')
      .action(async (flags) => {
        const rows = await withStore(flags, (store) => store.listOperators());
        const list = rows.map((o) => ({ username: o.username, created_at: iso(o.created_at), disabled_at: o.disabled_at === null ? null : iso(o.disabled_at) }));
        if (flags.json) {
          process.stdout.write(JSON.stringify({ data: list }, null, 2) + '\n');
          return;
        }
        if (list.length === 0) process.stderr.write('no operators yet: create one with `kirim operators create <username> --generate`\n');
        for (const o of list) process.stdout.write([o.username, `created ${o.created_at}`, ...(o.disabled_at ? [`disabled ${o.disabled_at}`] : [])].join('\t') + '\n');
      }),
  );
  ops.addCommand(
    withServerOptions(new Command('delete').description('Delete a dashboard operator and end their sessions').argument('<username>'))
      .action(async (rawName: string, flags) => {
        const username = checkUsername(rawName);
        const deleted = await withStore(flags, (store) => store.deleteOperator(username));
        if (!deleted) throw new UserError(`no operator ${username}`);
        process.stderr.write(`operator ${username} deleted\n`);
      }),
  );
  return ops;
}
