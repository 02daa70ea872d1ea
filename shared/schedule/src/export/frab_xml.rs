//! frab `schedule.xml`, the older format most conference apps (EventFahrplan, Giggity, ConfClerk)
//! read. Written with quick-xml, which escapes text and attribute values.

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::{ExportError, ExportLinks, acronym, by_day_and_room, hours_minutes, local};
use crate::draft::rfc3339;
use crate::release::{Release, ScheduledTalk};

/// XML 1.0 cannot carry most control characters, even escaped: they are dropped.
fn xml_text(s: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| allowed(*c)).collect())
    }
}

fn text_element<W: io::Write>(w: &mut Writer<W>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_text(text)))?;
    Ok(())
}

fn event<W: io::Write>(
    w: &mut Writer<W>,
    release: &Release,
    links: &ExportLinks,
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
            text_element(w, "start", &start.format("%H:%M").to_string())?;
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
            let url = links.talk_url(frame.slug(), t);
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
                                    event(w, release, links, t)?;
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
    fn control_characters_are_dropped() {
        assert_eq!(xml_text("a\u{1}b\tc\u{FFFF}"), "ab\tc");
        assert!(matches!(xml_text("plain <text>"), Cow::Borrowed(_)));
    }
}
