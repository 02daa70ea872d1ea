//! Where the exports point (a talk's URL, the schedule's URL, speakers' pictures): the public
//! base URL of the API as configured, or else as the request reached API Gateway.
//!
//! Behind a CDN or a custom domain, set `PUBLIC_API_URL` (what clients use); the request only
//! knows API Gateway's own domain. `PUBLIC_MEDIA_URL` is where thumbnails are served from;
//! without it the exports carry no pictures (the pictures bucket is private).

use cfp_http::Request;
use cfp_schedule::InvalidInput;
use cfp_schedule::export::ExportLinks;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

use crate::error::GetScheduleError;

#[derive(Debug, Clone)]
pub enum PublicUrls {
    Configured(ExportLinks),
    FromRequest { media: Option<String> },
}

impl PublicUrls {
    /// From the settings, checked once at start-up.
    pub fn new(api: Option<&str>, media: Option<&str>) -> Result<Self, InvalidInput> {
        fn present(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let media = present(media);
        match present(api) {
            Some(api) => Ok(PublicUrls::Configured(ExportLinks::new(api, media)?)),
            None => {
                // Checked now rather than on every request.
                if let Some(media) = media {
                    ExportLinks::new("https://example.org", Some(media))?;
                }
                Ok(PublicUrls::FromRequest {
                    media: media.map(str::to_owned),
                })
            }
        }
    }

    /// The links for this request. From the request: the scheme API Gateway was reached with
    /// (`X-Forwarded-Proto`, which the gateway sets), its domain and stage.
    pub fn links(&self, request: &Request) -> Result<ExportLinks, GetScheduleError> {
        let media = match self {
            PublicUrls::Configured(links) => return Ok(links.clone()),
            PublicUrls::FromRequest { media } => media.as_deref(),
        };
        let (domain, stage) = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => {
                (context.domain_name.as_deref(), context.stage.as_deref())
            }
            _ => (None, None),
        };
        let domain = domain.filter(|d| !d.is_empty()).ok_or_else(|| {
            GetScheduleError::InvalidHost(InvalidInput::one(
                "host",
                "is missing: the request names no domain",
            ))
        })?;
        let scheme = match request
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
        {
            Some("http") => "http",
            _ => "https",
        };
        let stage = match stage {
            None | Some("") | Some("$default") => String::new(),
            Some(stage) => format!("/{stage}"),
        };
        // A domain with a path, query or user part would change what the links mean.
        if domain.contains(['/', '?', '#', '@', '\\']) {
            return Err(invalid_host());
        }
        ExportLinks::new(&format!("{scheme}://{domain}{stage}"), media).map_err(|_| invalid_host())
    }
}

fn invalid_host() -> GetScheduleError {
    GetScheduleError::InvalidHost(InvalidInput::one(
        "host",
        "must be a host name, optionally with a port",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_http::test_support::{request, sample_event};

    fn links_of(
        urls: &PublicUrls,
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> Result<String, GetScheduleError> {
        let mut event = sample_event("get-event");
        edit(&mut event);
        urls.links(&request(&event)).map(|l| l.schedule_url("e"))
    }

    #[test]
    fn configured_urls_win_over_the_request() {
        let urls = PublicUrls::new(Some("https://cfp.example.org/api/"), None).expect("urls");
        assert_eq!(
            links_of(&urls, |_| {}).ok().as_deref(),
            Some("https://cfp.example.org/api/events/e/schedule")
        );
        assert!(PublicUrls::new(Some("cfp.example.org"), None).is_err());
        assert!(PublicUrls::new(None, Some("not a url")).is_err());
        assert!(matches!(
            PublicUrls::new(Some(" "), None),
            Ok(PublicUrls::FromRequest { media: None })
        ));
    }

    #[test]
    fn otherwise_the_gateway_domain_scheme_and_stage() {
        let urls = PublicUrls::new(None, None).expect("urls");
        assert_eq!(
            links_of(&urls, |_| {}).ok().as_deref(),
            Some("https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/events/e/schedule")
        );
        let local = links_of(&urls, |e| {
            e["requestContext"]["domainName"] = "127.0.0.1:3000".into();
            e["headers"]["x-forwarded-proto"] = "http".into();
            e["requestContext"]["stage"] = "v1".into();
        });
        assert_eq!(
            local.ok().as_deref(),
            Some("http://127.0.0.1:3000/v1/events/e/schedule")
        );
        for bad in ["", "evil.example/x?", "a b", "user@host"] {
            let result = links_of(&urls, |e| e["requestContext"]["domainName"] = bad.into());
            assert!(
                matches!(result, Err(GetScheduleError::InvalidHost(_))),
                "{bad:?}: {result:?}"
            );
        }
    }
}
