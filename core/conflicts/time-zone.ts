import { badInput } from '../errors.ts';

/** The viewer's time zone, for exports whose dates must read as the viewer's clock. */
export interface ViewerZone {
  /** as given: an IANA name (Europe/Berlin), a UTC offset (+05:30), or UTC */
  id: string;
  /** the wall-clock time at `ms` in this zone, as the epoch ms of that same clock reading in UTC */
  wallClock(ms: number): number;
}

const UTC: ViewerZone = { id: 'UTC', wallClock: (ms) => ms };
const OFFSET = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/**
 * An IANA time zone name or a UTC offset (+05:30, -08:00, UTC+2); empty means UTC. Anything
 * else is refused with what is expected, so an export never silently shows the wrong clock.
 */
export function parseTimeZone(value: string | undefined): ViewerZone {
  const text = (value ?? '').trim();
  if (text === '' || /^(UTC|GMT|Z)$/i.test(text)) return UTC;
  const offset = OFFSET.exec(text);
  if (offset) {
    const hours = Number(offset[2]);
    const minutes = Number(offset[3] ?? 0);
    if (hours <= 14 && minutes < 60) {
      const sign = offset[1] === '-' ? -1 : 1;
      const shift = sign * (hours * 60 + minutes) * 60_000;
      const id = `${offset[1]}${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
      return { id, wallClock: (ms) => ms + shift };
    }
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: text,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw badInput(`time zone ${JSON.stringify(text)} is not an IANA time zone like Europe/Berlin or a UTC offset like +05:30`);
  }
  return {
    // as the viewer named it (ICU would say Asia/Calcutta for Asia/Kolkata)
    id: text,
    wallClock(ms) {
      const p: Record<string, number> = {};
      for (const part of format.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!, ms - Math.floor(ms / 1000) * 1000);
    },
  };
}
