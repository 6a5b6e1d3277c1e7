import type { Command } from '../command.js';
import { approvalsSign } from './approvals-sign.js';
import { auditTail } from './audit-tail.js';
import { auditVerify } from './audit-verify.js';
import { bundleExportCommand, bundleShowCommand } from './bundle.js';
import { credentialInspect, credentialVerify } from './credential.js';
import { inventoryValidate } from './inventory.js';
import { enrollCommand, revokeCommand } from './issuer-enroll.js';
import { issuerRotateCommand } from './issuer-rotate.js';
import { nodeStatus } from './node-status.js';
import { plan } from './plan.js';

/** Every `fedplane` command, in help order. */
export const COMMANDS: readonly Command[] = [
  credentialVerify,
  credentialInspect,
  inventoryValidate,
  plan,
  approvalsSign,
  auditVerify,
  auditTail,
  enrollCommand,
  revokeCommand,
  bundleShowCommand,
  bundleExportCommand,
  issuerRotateCommand,
  nodeStatus,
];
