//! iCalendar (RFC 5545): one VEVENT per talk in the event's time zone, with a VTIMEZONE that
//! describes that zone over the event's years.
//!
//! Written here rather than with the `icalendar` crate: its builder has no VTIMEZONE, and a
//! TZID without one is not interoperable. What RFC 5545 asks of a writer is small and done in
//! this module: CRLF line ends, TEXT escaping (backslash, semicolon, comma, newline), and
//! folding at 75 octets without splitting a UTF-8 sequence. The tests parse the output back
//! with the `ical` crate.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::{ExportError, ExportLinks, local};
use crate::release::Release;

/// Content lines, folded and CRLF-terminated.
#[derive(Default)]
struct Lines(String, Scratch);

/// Reused buffers: one line before folding, one escaped value.
#[derive(Default)]
struct Scratch {
    line: String,
    escaped: String,
}

impl Lines {
    const MAX_OCTETS: usize = 75;

    fn line(&mut self, name: &str, value: &str) {
        let mut line = std::mem::take(&mut self.1.line);
        line.clear();
        line.push_str(name);
        line.push(':');
        line.push_str(value);
        self.fold(&line);
        self.1.line = line;
    }

    fn fold(&mut self, line: &str) {
        let mut rest = line;
        let mut first = true;
        while !rest.is_empty() {
            // A continuation line starts with a space, which counts.
            let room = if first {
                Self::MAX_OCTETS
            } else {
                Self::MAX_OCTETS - 1
            };
            let mut cut = rest.len().min(room);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            // Some parsers trim line ends; a fold never leaves white space there.
            let mut keep = cut;
            while keep < rest.len() && keep > 1 && rest[..keep].ends_with([' ', '\t']) {
                keep -= 1;
            }
            if keep < rest.len() && !rest[..keep].ends_with([' ', '\t']) {
                cut = keep;
            }
            if !first {
                self.0.push(' ');
            }
            self.0.push_str(&rest[..cut]);
            self.0.push_str("\r\n");
            rest = &rest[cut..];
            first = false;
        }
    }

    fn text(&mut self, name: &str, value: &str) {
        let mut escaped = std::mem::take(&mut self.1.escaped);
        escaped.clear();
        escape_text_into(&mut escaped, value);
        self.line(name, &escaped);
        self.1.escaped = escaped;
    }
}

/// Bytes after which [`escape_text_into`] has work to do: what TEXT escapes, the ASCII control
/// characters and 0xC2, the first byte of the C1 controls (and of other characters, kept).
const NEEDS_WORK: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b as u8 != b'\t';
        b += 1;
    }
    table[0x7F] = true;
    table[b'\\' as usize] = true;
    table[b';' as usize] = true;
    table[b',' as usize] = true;
    table[0xC2] = true;
    table
};

/// RFC 5545 3.3.11: TEXT escapes backslash, semicolon, comma and newline; other control
/// characters are not allowed and are dropped. Copies the runs between special bytes rather
/// than pushing character by character (which was half the export's time).
fn escape_text_into(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(at) = rest.bytes().position(|b| NEEDS_WORK[usize::from(b)]) {
        out.push_str(&rest[..at]);
        // Special bytes are ASCII or a lead byte: `at` is a character boundary.
        let Some(c) = rest[at..].chars().next() else {
            break;
        };
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
}

#[cfg(test)]
fn escape_text(s: &str) -> String {
    let mut out = String::new();
    escape_text_into(&mut out, s);
    out
}

/// `20270610T090000` (chrono's `format` parses its pattern on every call: this is a hot path).
fn local_stamp(t: NaiveDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    local_stamp(t.naive_utc()) + "Z"
}

/// `+0200`, or `+053730` when there are seconds.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    offset: i32,
    daylight: bool,
    name: Option<String>,
}

fn observance(tz: Tz, at: DateTime<Utc>) -> Observance {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    Observance {
        offset: offset.fix().local_minus_utc(),
        daylight: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().map(str::to_owned),
    }
}

fn write_observance(lines: &mut Lines, starts: DateTime<Utc>, from: &Observance, to: &Observance) {
    let kind = if to.daylight { "DAYLIGHT" } else { "STANDARD" };
    lines.line("BEGIN", kind);
    // DTSTART is the local time just before the change, i.e. in the old offset.
    let local = starts.naive_utc() + chrono::Duration::seconds(i64::from(from.offset));
    lines.line("DTSTART", &local_stamp(local));
    lines.line("TZOFFSETFROM", &utc_offset(from.offset));
    lines.line("TZOFFSETTO", &utc_offset(to.offset));
    if let Some(name) = &to.name {
        lines.text("TZNAME", name);
    }
    lines.line("END", kind);
}

/// The zone's observances from the first day of `first`'s year to the end of `last`'s year: the
/// one in force at the start and one per change after it (found by a daily scan, then a binary
/// search to the second).
fn vtimezone(lines: &mut Lines, tz: Tz, first: NaiveDate, last: NaiveDate) {
    let year_start = |year: i32| {
        NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    };
    let (Some(from), Some(until)) = (year_start(first.year()), year_start(last.year() + 1)) else {
        return;
    };
    lines.line("BEGIN", "VTIMEZONE");
    lines.text("TZID", tz.name());
    let mut current = observance(tz, from);
    write_observance(lines, from, &current, &current);
    let day = chrono::Duration::days(1);
    let mut t = from;
    while t < until {
        let next = t + day;
        let then = observance(tz, next);
        if then.offset != current.offset || then.daylight != current.daylight {
            // The first second of the new observance lies in (t, next].
            let (mut lo, mut hi) = (t.timestamp(), next.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let at = DateTime::from_timestamp(mid, 0).unwrap_or(next);
                if observance(tz, at) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let change = DateTime::from_timestamp(hi, 0).unwrap_or(next);
            let new = observance(tz, change);
            write_observance(lines, change, &current, &new);
            current = new;
        }
        t = next;
    }
    lines.line("END", "VTIMEZONE");
}

/// The release as an iCalendar file.
pub fn icalendar(release: &Release, links: &ExportLinks) -> Result<Vec<u8>, ExportError> {
    let frame = &release.frame;
    let tz = frame.time_zone();
    let mut lines = Lines::default();
    lines.line("BEGIN", "VCALENDAR");
    lines.line("VERSION", "2.0");
    lines.text("PRODID", "-//cfp//schedule//EN");
    lines.line("CALSCALE", "GREGORIAN");
    lines.line("METHOD", "PUBLISH");
    lines.text("X-WR-CALNAME", frame.name());
    lines.text("X-WR-TIMEZONE", tz.name());
    vtimezone(&mut lines, tz, frame.first_day(), frame.last_day());
    let dtstamp = utc_stamp(release.released_at);
    let dtstart = format!("DTSTART;TZID={}", tz.name());
    let dtend = format!("DTEND;TZID={}", tz.name());
    let sequence = release.number.to_string();
    let talk_urls = links.talk_urls(frame.slug());
    let mut description = String::new();
    for t in &release.talks {
        lines.line("BEGIN", "VEVENT");
        // The talk's guid never changes, so calendars update the event instead of adding one.
        lines.line("UID", &format!("{}@{}", t.talk.guid(), links.host()));
        lines.line("DTSTAMP", &dtstamp);
        lines.line(
            &dtstart,
            &local_stamp(local(release, t.start).naive_local()),
        );
        lines.line(&dtend, &local_stamp(local(release, t.end).naive_local()));
        lines.line("SEQUENCE", &sequence);
        lines.text("SUMMARY", &t.talk.title);
        description.clear();
        description.push_str(&t.talk.abstract_);
        description.push_str("\n\n");
        for (i, speaker) in t.talk.speakers.iter().enumerate() {
            if i > 0 {
                description.push_str(", ");
            }
            description.push_str(&speaker.name);
        }
        lines.text("DESCRIPTION", &description);
        lines.text("LOCATION", &t.room);
        if let Some(track) = &t.talk.track {
            lines.text("CATEGORIES", track);
        }
        lines.line("URL", &talk_urls.of(t));
        lines.line("END", "VEVENT");
    }
    lines.line("END", "VCALENDAR");
    Ok(lines.0.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text("a;b,c\\d\ne\u{7}"), "a\\;b\\,c\\\\d\\ne");
    }

    /// What the escaping was before it copied runs: character by character.
    fn escape_text_per_char(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                ';' => out.push_str("\\;"),
                ',' => out.push_str("\\,"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push('\t'),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn any_text_escapes_as_character_by_character(
            text in "([\\x00-\\x20\\x7f\u{80}-\u{a0}\\\\;,©]|\\PC)*"
        ) {
            proptest::prop_assert_eq!(escape_text(&text), escape_text_per_char(&text));
        }
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut lines = Lines::default();
        let value = "ü".repeat(100);
        lines.line("SUMMARY", &value);
        for line in lines.0.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = lines.0.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{value}\r\n"));

        let mut lines = Lines::default();
        let value = "word ".repeat(40) + "end";
        lines.line("SUMMARY", &value);
        for line in lines.0.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(!line.ends_with(' '), "{line:?}");
        }
        assert_eq!(lines.0.replace("\r\n ", ""), format!("SUMMARY:{value}\r\n"));
    }

    #[test]
    fn offsets() {
        assert_eq!(utc_offset(7200), "+0200");
        assert_eq!(utc_offset(-16200), "-0430");
        assert_eq!(utc_offset(3600 + 25 * 60 + 30), "+012530");
    }

    #[test]
    fn the_zone_lists_its_changes() {
        let mut lines = Lines::default();
        let day = NaiveDate::from_ymd_opt(2027, 6, 10).expect("date");
        vtimezone(&mut lines, chrono_tz::Europe::Berlin, day, day);
        let text = lines.0;
        // Start of 2027 (CET), then CEST from 28 March 02:00, CET from 31 October 03:00.
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"), "{text}");
        assert!(text.contains("BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"), "{text}");
    }
}
