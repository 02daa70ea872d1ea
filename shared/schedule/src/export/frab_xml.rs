//! frab `schedule.xml`, the older format most conference apps (EventFahrplan, Giggity, ConfClerk)
//! read. Written with quick-xml, which escapes text and attribute values.

use std::borrow::Cow;
use std::io;

use chrono::Timelike;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::{ExportError, ExportLinks, TalkUrls, acronym, by_day_and_room, hours_minutes, local};
use crate::draft::rfc3339;
use crate::release::{Release, ScheduledTalk};

/// XML 1.0 cannot carry most control characters, even escaped: they are dropped.
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

fn xml_text(s: &str) -> Cow<'_, str> {
    if s.chars().all(xml_allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| xml_allowed(*c)).collect())
    }
}

/// Bytes after which [`escaped_text`] has work to do: what XML escapes, control characters,
/// and 0xEF, the first byte of U+FFFE and U+FFFF (and of other characters, which are kept).
const NEEDS_WORK: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[0xEF] = true;
    table
};

/// Element text, escaped as quick-xml's `BytesText::new` escapes it, without the characters
/// [`xml_text`] drops. One table-driven pass that copies the runs between special bytes:
/// quick-xml's escape plus a separate scan for control characters were most of the export's
/// time (two byte-by-byte passes over every abstract).
fn escaped_text(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let Some(first) = bytes.iter().position(|b| NEEDS_WORK[usize::from(*b)]) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 32);
    let mut rest = s;
    let mut at = first;
    loop {
        out.push_str(&rest[..at]);
        // Special bytes are ASCII or a lead byte: `at` is a character boundary.
        let Some(c) = rest[at..].chars().next() else {
            break;
        };
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if xml_allowed(c) => out.push(c),
            _ => {}
        }
        rest = &rest[at + c.len_utf8()..];
        match rest.bytes().position(|b| NEEDS_WORK[usize::from(b)]) {
            Some(next) => at = next,
            None => {
                out.push_str(rest);
                break;
            }
        }
    }
    Cow::Owned(out)
}

fn text_element<W: io::Write>(w: &mut Writer<W>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::from_escaped(escaped_text(text)))?;
    Ok(())
}

fn event<W: io::Write>(
    w: &mut Writer<W>,
    release: &Release,
    urls: &TalkUrls,
    t: &ScheduledTalk,
) -> io::Result<()> {
    let frame = &release.frame;
    let start = local(release, t.start);
    let id = t.talk.number.to_string();
    let guid = t.talk.guid().to_string();
    w.create_element("event")
        .with_attribute(("id", id.as_str()))
        .with_attribute(("guid", guid.as_str()))
        .write_inner_content(|w| {
            text_element(w, "date", &rfc3339(start))?;
            text_element(
                w,
                "start",
                &format!("{:02}:{:02}", start.hour(), start.minute()),
            )?;
            text_element(w, "duration", &hours_minutes(t))?;
            text_element(w, "room", &t.room)?;
            text_element(w, "slug", &t.talk.slug(frame.slug()))?;
            text_element(w, "title", &t.talk.title)?;
            text_element(w, "subtitle", "")?;
            text_element(w, "track", t.talk.track.as_deref().unwrap_or(""))?;
            text_element(w, "type", &t.talk.session_type)?;
            text_element(
                w,
                "language",
                t.talk
                    .language
                    .as_deref()
                    .unwrap_or(frame.default_language()),
            )?;
            text_element(w, "abstract", &t.talk.abstract_)?;
            text_element(
                w,
                "description",
                t.talk.description.as_deref().unwrap_or(""),
            )?;
            w.create_element("persons").write_inner_content(|w| {
                for speaker in &t.talk.speakers {
                    text_element(w, "person", &speaker.name)?;
                }
                Ok(())
            })?;
            let url = urls.of(t);
            w.create_element("links").write_inner_content(|w| {
                w.create_element("link")
                    .with_attribute(("href", url.as_str()))
                    .write_text_content(BytesText::new("Talk page"))?;
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(())
}

fn document<W: io::Write>(
    w: &mut Writer<W>,
    release: &Release,
    links: &ExportLinks,
) -> io::Result<()> {
    let frame = &release.frame;
    let tz = frame.time_zone();
    let grouped = by_day_and_room(release);
    let urls = links.talk_urls(frame.slug());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("schedule").write_inner_content(|w| {
        text_element(w, "version", &release.version_label())?;
        w.create_element("conference").write_inner_content(|w| {
            text_element(w, "acronym", &acronym(frame.slug()))?;
            text_element(w, "title", frame.name())?;
            text_element(w, "start", &frame.first_day().to_string())?;
            text_element(w, "end", &frame.last_day().to_string())?;
            text_element(w, "days", &frame.day_count().to_string())?;
            text_element(w, "timeslot_duration", "00:05")?;
            Ok(())
        })?;
        for (i, day) in frame.days().enumerate() {
            let (opens, closes) = frame.day_window(day).unwrap_or_default();
            let index = (i + 1).to_string();
            let date = day.to_string();
            let day_start = rfc3339(opens.with_timezone(&tz));
            let day_end = rfc3339(closes.with_timezone(&tz));
            w.create_element("day")
                .with_attribute(("index", index.as_str()))
                .with_attribute(("date", date.as_str()))
                .with_attribute(("start", day_start.as_str()))
                .with_attribute(("end", day_end.as_str()))
                .write_inner_content(|w| {
                    for room in frame.rooms() {
                        let name = xml_text(room);
                        w.create_element("room")
                            .with_attribute(("name", name.as_ref()))
                            .write_inner_content(|w| {
                                for t in grouped.get(&(day, room.as_str())).into_iter().flatten() {
                                    event(w, release, &urls, t)?;
                                }
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The release as frab `schedule.xml`.
pub fn frab_xml(release: &Release, links: &ExportLinks) -> Result<Vec<u8>, ExportError> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    document(&mut writer, release, links).map_err(|e| ExportError::Write(e.to_string()))?;
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_as_quick_xml_escapes_it_without_control_characters() {
        for text in [
            "",
            "plain",
            "a < b & c > d \"q\" 'a'",
            "a\u{1}b\tc\u{FFFF}d\u{FFFE}",
            "ｆｕｌｌｗｉｄｔｈ \u{FFFD} ü & <",
            "\u{0}\u{1f}\r\n",
            "end<",
        ] {
            let expected = quick_xml::escape::escape(xml_text(text).into_owned()).into_owned();
            assert_eq!(escaped_text(text), expected, "{text:?}");
        }
        assert!(matches!(escaped_text("plain text"), Cow::Borrowed(_)));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_escaped_as_quick_xml_escapes_it(
            text in "([\\x00-\\x20&<>\"'\u{FFFE}\u{FFFF}\u{FF01}é]|\\PC)*"
        ) {
            let expected = quick_xml::escape::escape(xml_text(&text).into_owned()).into_owned();
            proptest::prop_assert_eq!(escaped_text(&text), expected);
        }
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(xml_text("a\u{1}b\tc\u{FFFF}"), "ab\tc");
        assert!(matches!(xml_text("plain <text>"), Cow::Borrowed(_)));
    }
}
