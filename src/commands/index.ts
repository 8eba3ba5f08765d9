/** The command registry: one entry per top-level command, in the order `--help` lists them. */
import type { CommandModule } from '../cli.js';
import { checkCommand } from './check/command.js';
import { publishCommand } from './publish/command.js';
import { unpublishCommand } from './unpublish/command.js';
import { companiesCommand } from './companies/command.js';
import { usersCommand } from './users/command.js';
import { viewsCommand } from './views/command.js';
import { replicaCommand } from './replica/command.js';
import { logCommand } from './log/command.js';
import { scheduleCommand } from './schedule/command.js';
import { portalCommand } from './portal/command.js';
import { demoCommand } from './demo/command.js';
import { configCommand } from './config/command.js';

export const COMMANDS: readonly CommandModule[] = [
  checkCommand,
  publishCommand,
  unpublishCommand,
  companiesCommand,
  usersCommand,
  viewsCommand,
  replicaCommand,
  logCommand,
  scheduleCommand,
  portalCommand,
  demoCommand,
  configCommand,
];
