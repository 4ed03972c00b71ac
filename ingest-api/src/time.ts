/*
 * The time helpers moved to @cairn/storage with the read-path queries (storage/src/queries/time.ts);
 * the alert engine (src/alerts) still imports them from here until its SQL moves too.
 */
export { chTime, isoFromNs, parseTime } from '@cairn/storage';
