/** Set in a child's environment by the parent: which subsystem the process runs. */
export const CHILD_ENV = 'KEEPALIVED_TS_CHILD';
