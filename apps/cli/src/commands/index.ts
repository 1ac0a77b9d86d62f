import type { Command } from '../command.js';
import { changeCommands } from './changes.js';
import { deadLetterCommands } from './dead-letters.js';
import { destinationCommands } from './destinations.js';
import { enrichCommands } from './enrich.js';
import { erasureKeyCommands } from './erasure-key.js';
import { groupCommands } from './groups.js';
import { importCommands } from './import.js';
import { indexCommands } from './indexes.js';
import { partitionCommands } from './partitions.js';
import { projectCommands } from './project.js';

/** Every CLI command, in the order the usage lists them (docs/operations.md). */
export const commands: readonly Command[] = [
  ...projectCommands,
  ...erasureKeyCommands,
  ...deadLetterCommands,
  ...groupCommands,
  ...importCommands,
  ...enrichCommands,
  ...indexCommands,
  ...changeCommands,
  ...destinationCommands,
  ...partitionCommands,
];
