import fc from 'fast-check';

/**
 * In CI, property tests run from a fixed seed so a run is reproducible; on a developer's machine they explore
 * new inputs each time (FC_SEED pins one to replay a failure).
 */
const seed = process.env.FC_SEED ?? (process.env.CI ? '20261126' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
