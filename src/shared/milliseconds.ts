/** Milliseconds kept to the microsecond: enough for loopback timings, and short in a JSON log line. */
export function toMicros(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}
