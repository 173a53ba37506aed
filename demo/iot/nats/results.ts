/** A scored sample as the NATS contract's score and alarm messages (units restored from the model). */
import { CHANNELS } from '../contract.js';
import type { Channel } from '../contract.js';
import type { SensorModel } from '../gateway/sensor-model.js';
import type { Scored } from '../gateway/sessions.js';
import type { NatsAlarm, NatsScore } from './contract.js';

export function scoreMessage(model: SensorModel, s: Scored, seq: number): NatsScore {
  const forecast = {} as Record<Channel, number>;
  for (let k = 0; k < CHANNELS.length; k++) {
    forecast[CHANNELS[k]!] = s.forecast[k]! * model.std[k]! + model.mean[k]!;
  }
  return {
    seq,
    t: s.t,
    score: s.result.score,
    channel: CHANNELS[s.result.channel]!,
    alarm: s.result.alarm,
    forecast,
  };
}

/** The alarm message of a scored sample that changed its episode, or undefined. */
export function alarmMessage(s: Scored, seq: number): NatsAlarm | undefined {
  if (!s.alarm) return undefined;
  const a = s.alarm.episode;
  return {
    seq,
    state: s.alarm.state,
    since: a.since,
    until: a.until,
    peak: a.peak,
    channel: CHANNELS[a.channel]!,
  };
}
