/** The store round trips of applying a batch, timed separately (`gi_worker_step_seconds`). */
export type Step = 'feed' | 'claims' | 'read' | 'erase' | 'history' | 'write' | 'dead_letters';

/** Runs one step and records how long it took. */
export type StepTimer = <T>(step: Step, work: () => Promise<T>) => Promise<T>;

/** No timing (tests, tools). */
export const untimed: StepTimer = (_step, work) => work();
