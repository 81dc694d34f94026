/**
 * A mistake the user can fix (bad flag, bad config, unreachable server they
 * named). The CLI prints its message on one line and exits 1. Anything else
 * that escapes a command is an unexpected fault and exits 2.
 */
export class UserError extends Error {
  override name = 'UserError';
}
