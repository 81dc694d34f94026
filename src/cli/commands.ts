import type { Command } from 'commander';

/**
 * Every top-level `kirim` command, one factory per file. Add a command by
 * writing src/cli/<name>.ts exporting a factory and listing it here.
 */
export const commands: Array<() => Command> = [];
