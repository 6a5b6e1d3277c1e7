export { toHex, fromHex, toBase64, fromBase64, utf8, fromUtf8, concatBytes, bytesEqual } from './bytes.js';
export { sha256, sha256Hex, hmacSha256, constantTimeEqual } from './digest.js';
export {
  publicKeyFromSeed,
  signEd25519,
  verifyEd25519,
  isValidPublicKey,
  ED25519_SEED_BYTES,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
} from './ed25519.js';
export { checkAgentId, isAgentId, AGENT_ID_MAX_BYTES, RESERVED_AGENT_IDS } from './agent-id.js';
export type { AgentIdCheck, AgentIdProblem } from './agent-id.js';
export {
  ErrorCode,
  ERROR_CODES,
  NATS_ERROR_CODE,
  HTTP_STATUS,
  ERROR_MEANING,
  AppError,
  isErrorCode,
  errorCodeFromNats,
  errorBody,
  toWireError,
} from './errors.js';
export type { ErrorBody } from './errors.js';
