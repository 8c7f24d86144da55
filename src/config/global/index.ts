/** global_defs and the other root keywords the parent process reads. */
export * from './model.js';
export { globalRootKeywords } from './keywords.js';
export { validateGlobal } from './validate.js';
