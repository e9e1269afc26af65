/**
 * "Back Monday at 9:00" and "Online until 17:30": when a widget's schedule next changes, in
 * the visitor's own local time, with the business's time zone named when it is another one.
 * Formatted with Intl, in the visitor's locale.
 */

/** The calendar day of `date` in `timeZone`, as a count of days (for differences). */
function dayNumber(date, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: 'numeric', day: 'numeric',
  }).formatToParts(date);
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return Date.UTC(get('year'), get('month') - 1, get('day')) / 86400000;
}

/** "Berlin" for Europe/Berlin, "New York" for America/New_York, "UTC" for UTC. */
export function zoneLabel(timeZone) {
  return String(timeZone).split('/').pop().replace(/_/g, ' ');
}

/** The visitor's own IANA zone, as the browser reports it. */
export function localZone() {
  try {
    return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * "today", "tomorrow", "Monday" (within the week) or "on 25 December" (later), in `locale`,
 * as seen in `timeZone` from `now`; "" for today when `bareToday`.
 */
function dayPhrase(at, now, timeZone, locale, bareToday) {
  const days = dayNumber(at, timeZone) - dayNumber(now, timeZone);
  if (days <= 0) return bareToday ? '' : new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(0, 'day');
  if (days === 1) return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(1, 'day');
  if (days < 7) return new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long' }).format(at);
  return `on ${new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'long' }).format(at)}`;
}

function clock(at, timeZone, locale) {
  return new Intl.DateTimeFormat(locale, { timeZone, hour: 'numeric', minute: '2-digit' }).format(at);
}

/**
 * The line under the banner, or null when the schedule does not decide (manual mode, or the
 * team is away: then `next_change` is not when the widget comes back).
 * @param {{status: string, reason: string, next_change: string | null}} status  a widget.status payload
 * @param {{timezone?: string | null, now?: Date, locale?: string, visitorZone?: string}} [options]
 *   `timezone`: the business's zone (from the welcome); `visitorZone`: default, the browser's
 */
export function describeNextChange(status, options = {}) {
  if (!status || !status.next_change || status.reason !== 'schedule') return null;
  const at = new Date(status.next_change);
  if (Number.isNaN(at.getTime())) return null;
  const now = options.now ?? new Date();
  const locale = options.locale;
  const zone = options.visitorZone ?? localZone();
  const online = status.status === 'online';
  const day = dayPhrase(at, now, zone, locale, true);
  const time = clock(at, zone, locale);
  const when = day ? `${day} at ${time}` : online ? time : `at ${time}`;
  let line = online ? `Online until ${when}` : `Back ${when}`;
  const business = options.timezone;
  if (business && business !== zone) {
    const sameDay = dayNumber(at, business) === dayNumber(at, zone);
    const theirDay = sameDay ? '' : `${new Intl.DateTimeFormat(locale, { timeZone: business, weekday: 'long' }).format(at)} `;
    line += ` (${theirDay}${clock(at, business, locale)} ${zoneLabel(business)} time)`;
  }
  return line;
}
