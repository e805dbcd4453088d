//! Time in 100-nanosecond ticks since the Unix epoch (Windows' resolution), UTC, and
//! the textual forms each product writes.

use std::io::{self, Write};

pub(crate) type Ticks = i64;

pub(crate) const MS: Ticks = 10_000;
pub(crate) const SEC: Ticks = 1000 * MS;
pub(crate) const MIN: Ticks = 60 * SEC;
pub(crate) const HOUR: Ticks = 60 * MIN;
pub(crate) const DAY: Ticks = 24 * HOUR;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Civil {
    pub y: i32,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    /// 100 ns units within the second.
    pub frac: u32,
}

pub(crate) fn civil(t: Ticks) -> Civil {
    let days = t.div_euclid(DAY);
    let rem = t.rem_euclid(DAY);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(mo <= 2)) as i32;
    let secs = rem / SEC;
    Civil {
        y,
        mo,
        d,
        h: (secs / 3600) as u32,
        mi: (secs / 60 % 60) as u32,
        s: (secs % 60) as u32,
        frac: (rem % SEC) as u32,
    }
}

/// 0 = Monday … 6 = Sunday.
pub(crate) fn weekday(t: Ticks) -> u32 {
    (t.div_euclid(DAY) + 3).rem_euclid(7) as u32
}

/// Ticks since midnight UTC.
pub(crate) fn time_of_day(t: Ticks) -> Ticks {
    t.rem_euclid(DAY)
}

pub(crate) fn unix_secs(t: Ticks) -> i64 {
    t.div_euclid(SEC)
}

/// `2026-11-24T02:15:01.1234567Z` (Windows `SystemTime`).
pub(crate) fn write_win(w: &mut impl Write, t: Ticks) -> io::Result<()> {
    let c = civil(t);
    write!(
        w,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        c.y, c.mo, c.d, c.h, c.mi, c.s, c.frac
    )
}

/// `2026-11-24 02:15:01.123` (Sysmon `UtcTime`).
pub(crate) fn write_sysmon(w: &mut impl Write, t: Ticks) -> io::Result<()> {
    let c = civil(t);
    write!(
        w,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        c.y,
        c.mo,
        c.d,
        c.h,
        c.mi,
        c.s,
        c.frac / 10_000
    )
}

/// `1732482843.123` (squid `%ts.%03tu`).
pub(crate) fn write_epoch_ms(w: &mut impl Write, t: Ticks) -> io::Result<()> {
    write!(w, "{}.{:03}", unix_secs(t), t.rem_euclid(SEC) / MS)
}

/// `11/24/2026:02:13:05 GMT` (NetScaler, mm/dd/yyyy, GMT).
pub(crate) fn write_netscaler(w: &mut impl Write, t: Ticks) -> io::Result<()> {
    let c = civil(t);
    write!(
        w,
        "{:02}/{:02}/{:04}:{:02}:{:02}:{:02} GMT",
        c.mo, c.d, c.y, c.h, c.mi, c.s
    )
}

/// `Nov 24 02:10:01` / `Nov  4 02:10:01` (RFC 3164).
pub(crate) fn write_syslog(w: &mut impl Write, t: Ticks) -> io::Result<()> {
    let c = civil(t);
    write!(
        w,
        "{} {:>2} {:02}:{:02}:{:02}",
        MONTHS[(c.mo - 1) as usize],
        c.d,
        c.h,
        c.mi,
        c.s
    )
}

/// Microseconds since the epoch, truncated.
pub(crate) fn micros(t: Ticks) -> i64 {
    t.div_euclid(10)
}

/// `HH:MM:SS` of a duration.
pub(crate) fn write_duration(w: &mut impl Write, d: Ticks) -> io::Result<()> {
    let s = d.max(0) / SEC;
    write!(w, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        let t = days_from_civil(2026, 11, 24) * DAY + 2 * HOUR + 13 * MIN + 5 * SEC + 1234567;
        let mut s = Vec::new();
        write_win(&mut s, t).unwrap();
        assert_eq!(s, b"2026-11-24T02:13:05.1234567Z");
        assert_eq!(weekday(t), 1, "2026-11-24 is a Tuesday");
        let mut s = Vec::new();
        write_syslog(&mut s, days_from_civil(2026, 11, 4) * DAY).unwrap();
        assert_eq!(s, b"Nov  4 00:00:00");
        let mut s = Vec::new();
        write_epoch_ms(&mut s, days_from_civil(2024, 11, 24) * DAY + 123 * MS).unwrap();
        assert_eq!(s, b"1732406400.123");
    }
}
