export { CHECKS, DEFAULT_WARNING_LIMIT, runConsistencyChecks } from './checks.js';
export type { CheckGroup, ConsistencyCheckOptions, ConsistencyWarning } from './checks.js';
