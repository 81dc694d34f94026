import type { Command } from 'commander';
import { modemSimCommand } from './modem-sim.js';
import { devCommand } from './dev.js';
import { gatewayCommand } from './gateway.js';
import { gatewaysCommand } from './gateways.js';
import { integrationsCommand } from './integrations.js';
import { keysCommand } from './keys.js';
import { operatorsCommand } from './operators.js';
import { sendCommand } from './send.js';
import { serverCommand } from './server.js';

/**
 * Every top-level `kirim` command, one factory per file. Add a command by
 * writing src/cli/<name>.ts exporting a factory and listing it here.
 */
export const commands: Array<() => Command> = [
  serverCommand,
  keysCommand,
  integrationsCommand,
  operatorsCommand,
  gatewaysCommand,
  gatewayCommand,
  sendCommand,
  devCommand,
  modemSimCommand,
];
