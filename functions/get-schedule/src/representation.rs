//! What a request asks for, fully determined before the release is read: the view and its
//! filter, one talk, or an export with the links it embeds. Rendering one from a release is
//! pure, so the same release always gives the same bytes (and the same ETag).

use cfp_schedule::export::{ExportLinks, c3voc_json, frab_xml, icalendar};
use cfp_schedule::view::{ViewFilter, schedule_view, talk_view};
use cfp_schedule::{Release, TalkId};

use crate::error::GetScheduleError;
use crate::route::ExportFormat;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Representation {
    Schedule(ViewFilter),
    Talk(TalkId),
    Export(ExportFormat, ExportLinks),
}

impl Representation {
    pub fn content_type(&self) -> &'static str {
        match self {
            Representation::Schedule(_)
            | Representation::Talk(_)
            | Representation::Export(ExportFormat::C3vocJson, _) => "application/json",
            Representation::Export(ExportFormat::FrabXml, _) => "application/xml; charset=utf-8",
            Representation::Export(ExportFormat::ICalendar, _) => "text/calendar; charset=utf-8",
        }
    }

    /// The representation's text (all of them are UTF-8).
    pub fn render(&self, release: &Release) -> Result<String, GetScheduleError> {
        let json = |value: Result<Vec<u8>, serde_json::Error>| {
            value.map_err(|e| GetScheduleError::Render(format!("serializing the view: {e}")))
        };
        let bytes = match self {
            Representation::Schedule(filter) => {
                json(serde_json::to_vec(&schedule_view(release, filter)))?
            }
            Representation::Talk(id) => {
                let view =
                    talk_view(release, *id).ok_or_else(|| GetScheduleError::TalkNotReleased {
                        event: release.frame.slug().to_owned(),
                        talk: id.to_string(),
                    })?;
                json(serde_json::to_vec(&view))?
            }
            Representation::Export(ExportFormat::C3vocJson, links) => c3voc_json(release, links)?,
            Representation::Export(ExportFormat::FrabXml, links) => frab_xml(release, links)?,
            Representation::Export(ExportFormat::ICalendar, links) => icalendar(release, links)?,
        };
        String::from_utf8(bytes)
            .map_err(|e| GetScheduleError::Render(format!("the output is not UTF-8: {e}")))
    }
}
