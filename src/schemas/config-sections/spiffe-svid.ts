/** Validators of the config's `spiffe-svid` part (see ../config-sections.ts); the build swaps this module for ajv standalone code. */
import { compileConfigSection } from '../config-section-runtime.js';

export const validators = compileConfigSection('spiffe-svid');
