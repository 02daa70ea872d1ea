//! Which of getSchedule's routes API Gateway matched, and for which event.

use cfp_http::{ApiError, Request, path_parameter, route_key};

/// What a route serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// The JSON API view of the latest release.
    Schedule,
    Export(ExportFormat),
    /// One talk of the latest release.
    Talk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// c3voc `schedule.json`.
    C3vocJson,
    /// frab `schedule.xml`.
    FrabXml,
    ICalendar,
}

/// The path templates template.yaml routes here, for `GET` and (if it declares them) `HEAD`.
pub const PATHS: [(&str, Resource); 5] = [
    ("/events/{event}/schedule", Resource::Schedule),
    (
        "/events/{event}/schedule/export/schedule.json",
        Resource::Export(ExportFormat::C3vocJson),
    ),
    (
        "/events/{event}/schedule/export/schedule.xml",
        Resource::Export(ExportFormat::FrabXml),
    ),
    (
        "/events/{event}/schedule/export/schedule.ics",
        Resource::Export(ExportFormat::ICalendar),
    ),
    ("/events/{event}/talks/{talkId}", Resource::Talk),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub resource: Resource,
    pub event: String,
}

impl Route {
    /// Any other route key is a wiring mistake in the template, not the caller's: a 500.
    pub fn of(request: &Request) -> Result<Route, ApiError> {
        let key = route_key(request)?;
        let unserved = || ApiError::UnservedRoute(key.to_owned());
        let (method, path) = key.split_once(' ').ok_or_else(unserved)?;
        if !matches!(method, "GET" | "HEAD") {
            return Err(unserved());
        }
        let resource = PATHS
            .iter()
            .find(|(template, _)| *template == path)
            .map(|(_, resource)| *resource)
            .ok_or_else(unserved)?;
        Ok(Route {
            resource,
            event: path_parameter(request, "event")?,
        })
    }
}
