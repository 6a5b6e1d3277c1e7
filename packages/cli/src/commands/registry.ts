import type { Command } from '../command.js';
import { approvalsSign } from './approvals-sign.js';
import { credentialInspect, credentialVerify } from './credential.js';
import { inventoryValidate } from './inventory.js';
import { plan } from './plan.js';

/** Every `fedplane` command, in help order. */
export const COMMANDS: readonly Command[] = [
  credentialVerify,
  credentialInspect,
  inventoryValidate,
  plan,
  approvalsSign,
];
