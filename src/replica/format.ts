/**
 * The two facts about a replica file that its readers outside src/replica/ need (the replica source, the
 * Data Manager SQL), in a module that imports nothing, so that no import cycle runs through them.
 */

/** 2: tables record the generation of their last change (`changed_gen`). */
export const REPLICA_FORMAT = 2;

/** The replica's own column: the sync generation that last changed the row (schema.ts). Never published. */
export const GENERATION_COLUMN = '__sbsync_gen';
