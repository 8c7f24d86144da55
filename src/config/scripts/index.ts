/**
 * Scripts named in the configuration, shared by every subsystem: parsing a
 * script line with its run-as identity, the default script user, and the
 * script-security checks keepalived runs once the configuration is read.
 */
export type { Script } from './model.js';
export type { ScriptApproval, ScriptSubsystem } from './approval.js';
export { parseScript, commandText } from './parse.js';
export { DEFAULT_SCRIPT_USER, defaultScriptIdentity, lookupIdentity, setGlobalScriptUser } from './identity.js';
export {
  checkScriptSecure,
  checkScripts,
  isExecutable,
  type ScriptRole,
  type ScriptSecurity,
  type ScriptToCheck,
  type ScriptVerdict,
} from './security.js';
