/**
 * The NATS subject contract of the scaled-out gateway (the MQTT contract's payloads, see
 * `../contract.ts`, plus a per-sensor sample number `seq`). Browser-safe: no Node built-ins.
 *
 * - `gru.<sensor>.telemetry` (in): {@link NatsTelemetry}. nats-server maps it onto
 *   `gru.<sensor>.telemetry.<p>` with `partition(P, 1)` (see {@link partitionMapping}); the JetStream
 *   stream {@link TELEMETRY_STREAM} keeps the mapped subjects.
 * - `gru.<sensor>.score` (out, every accepted sample): {@link NatsScore}, kept in {@link RESULTS_STREAM}.
 * - `gru.<sensor>.alarm` (out, on each episode change): {@link NatsAlarm}, same stream.
 *
 * Sensor ids are the MQTT contract's minus `.` (a NATS subject token separator): 1–64 of
 * `[A-Za-z0-9_-]`.
 */
import type { AlarmMessage, ScoreMessage, Telemetry } from '../contract.js';

export const SUBJECT_ROOT = 'gru';
export const NATS_SENSOR_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const TELEMETRY_STREAM = 'GRU_TELEMETRY';
export const RESULTS_STREAM = 'GRU_RESULTS';
/** KV bucket of partition leases (key `p<partition>`, value the owner's id; TTL = the lease). */
export const LEASE_BUCKET = 'gru-leases';
/** KV bucket of live gateways (key = gateway id; TTL = the lease). */
export const MEMBER_BUCKET = 'gru-members';
/** KV bucket of partition snapshots (key `p<partition>`, msgpack {@link PartitionSnapshot}). */
export const SNAPSHOT_BUCKET = 'gru-snapshots';
/** Header on the gateways' mapping probes: owners skip such messages. */
export const PROBE_HEADER = 'Gru-Probe';

export const telemetrySubject = (sensor: string): string => `${SUBJECT_ROOT}.${sensor}.telemetry`;
export const scoreSubject = (sensor: string): string => `${SUBJECT_ROOT}.${sensor}.score`;
export const alarmSubject = (sensor: string): string => `${SUBJECT_ROOT}.${sensor}.alarm`;
/** The stored (mapped) telemetry subjects of one partition. */
export const partitionFilter = (p: number): string => `${SUBJECT_ROOT}.*.telemetry.${p}`;
export const leaseKey = (p: number): string => `p${p}`;

/**
 * The nats-server configuration block that spreads telemetry over `partitions` partitions (the
 * server's deterministic `partition()` mapping of the sensor token; nats-server ≥ 2.8). Every server
 * of the cluster needs it; clients cannot create mappings at run time on 2.9.
 */
export function partitionMapping(partitions: number): string {
  return `mappings = {\n  "${SUBJECT_ROOT}.*.telemetry": "${SUBJECT_ROOT}.{{wildcard(1)}}.telemetry.{{partition(${partitions},1)}}"\n}\n`;
}

/** One sample: the MQTT contract's telemetry plus the device's sample number (1, 2, 3, … per sensor). */
export type NatsTelemetry = Telemetry & { seq: number };

/** The score of sample `seq` of a sensor. A consumer keeps the first of equal `seq`s (takeovers replay). */
export type NatsScore = ScoreMessage & { seq: number };

/** An alarm episode change, at sample `seq`. */
export type NatsAlarm = AlarmMessage & { seq: number };
