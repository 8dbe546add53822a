/**
 * DefineTimeDate fields in the phone's time zone (sccp-protocol.md §6.1: 79x0/7912 show the
 * broken-down fields, so they must be local time of the phone, not of the server).
 */

/** Broken-down local time as DefineTimeDate carries it. */
export interface PhoneTime {
  year: number;
  month: number;
  dayOfWeek: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  milliseconds: number;
  systemTime: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Building a DateTimeFormat costs tens of microseconds; one per zone is kept.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      weekday: "short",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The time `at` (ms since epoch) as seen in `timeZone` (IANA name; undefined = server's zone). */
export function phoneTime(at: number, timeZone: string | undefined): PhoneTime {
  const d = new Date(at);
  const systemTime = Math.floor(at / 1000);
  if (timeZone === undefined) {
    return {
      year: d.getFullYear(),
      month: d.getMonth() + 1,
      dayOfWeek: d.getDay(),
      day: d.getDate(),
      hour: d.getHours(),
      minute: d.getMinutes(),
      second: d.getSeconds(),
      milliseconds: d.getMilliseconds(),
      systemTime,
    };
  }
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(d)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    dayOfWeek: WEEKDAYS[parts.weekday ?? "Sun"] ?? 0,
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    milliseconds: d.getMilliseconds(),
    systemTime,
  };
}
