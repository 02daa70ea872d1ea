//! Real validators for what the schedule exports: the c3voc JSON and the frab XML against the
//! published schemas (cfp-schedule's own, with its `export-validation` feature), the iCalendar
//! parsed back by an iCalendar parser (ical).

pub use cfp_schedule::export::validation::{c3voc_json_errors, frab_xml_errors};

/// One VEVENT, its properties by name (the first of each), parameters dropped.
pub type VEvent = std::collections::BTreeMap<String, String>;

/// Parses an iCalendar stream; panics on anything that is not exactly one valid VCALENDAR.
pub fn ical_events(ics: &[u8]) -> Vec<VEvent> {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(ics));
    let calendar = calendars
        .next()
        .expect("one VCALENDAR")
        .expect("the calendar parses");
    assert!(calendars.next().is_none(), "exactly one VCALENDAR");
    calendar
        .events
        .into_iter()
        .map(|event| {
            let mut properties = VEvent::new();
            for property in event.properties {
                if let Some(value) = property.value {
                    properties.entry(property.name).or_insert(value);
                }
            }
            properties
        })
        .collect()
}
