const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses `900`, `900s`, `15m`, `1h` or `7d` into seconds; undefined when it is not one of those. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2] || 's'];
}
