import type { Command } from '../command.js';
import { approvalsSign } from './approvals-sign.js';
import { approvalsApprove, approvalsDeny } from './approvals-decide.js';
import { approvalsList, approvalsShow } from './approvals-read.js';
import { auditTail } from './audit-tail.js';
import { auditVerify } from './audit-verify.js';
import { bootstrapCommand } from './bootstrap.js';
import { bootstrapEnrollCommand } from './bootstrap-enroll.js';
import { bundleExportCommand, bundleShowCommand } from './bundle.js';
import { credentialInspect, credentialVerify } from './credential.js';
import { inventoryValidate } from './inventory.js';
import { inventoryApplyCommand } from './inventory-apply.js';
import { eventsTailCommand } from './events-tail.js';
import { enrollCommand, revokeCommand } from './issuer-enroll.js';
import { issuerRotateCommand } from './issuer-rotate.js';
import { nodeStatus } from './node-status.js';
import { plan } from './plan.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { syncDlqListCommand, syncDlqReplayCommand } from './sync-dlq.js';

/** Every `fedplane` command, in help order. */
export const COMMANDS: readonly Command[] = [
  startCommand,
  statusCommand,
  bootstrapCommand,
  bootstrapEnrollCommand,
  eventsTailCommand,
  credentialVerify,
  credentialInspect,
  inventoryValidate,
  inventoryApplyCommand,
  plan,
  approvalsSign,
  approvalsList,
  approvalsShow,
  approvalsApprove,
  approvalsDeny,
  auditVerify,
  auditTail,
  enrollCommand,
  revokeCommand,
  bundleShowCommand,
  bundleExportCommand,
  issuerRotateCommand,
  nodeStatus,
  syncDlqListCommand,
  syncDlqReplayCommand,
];
