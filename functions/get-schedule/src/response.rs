//! A 200 or 304 for a rendered representation, with the headers that let browsers and a CDN
//! keep it.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use headers::{HeaderMapExt, LastModified};
use http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, VARY};
use http::{HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::conditional::not_modified;
use crate::content_coding::accepts_gzip;
use crate::error::GetScheduleError;
use crate::rendered::{Coding, Rendered};

/// Browsers and the CDN keep a representation for a minute. After that the CDN answers from
/// its copy for up to five more minutes while it revalidates in the background (a 304 without
/// a body from here: the ETag is per release), so during a keynote rush nearly every request ends at
/// the CDN and this function sees about one request per edge and minute. A new release shows
/// within a minute or two under steady traffic (one stale answer triggers the refresh); an edge
/// idle for a while may serve one answer up to six minutes old. If this function fails, the
/// CDN may keep serving the last good copy for a day rather than an error.
pub const CACHE_CONTROL_VALUE: &str =
    "public, max-age=60, s-maxage=60, stale-while-revalidate=300, stale-if-error=86400";

pub fn representation_response(
    request: &Request,
    rendered: &Rendered,
    released_at: DateTime<Utc>,
) -> Result<Response<Body>, GetScheduleError> {
    let encoded = rendered.select(accepts_gzip(request.headers()))?;
    let last_modified = SystemTime::from(released_at);
    let etag = HeaderValue::from_str(&encoded.etag)
        .map_err(|e| GetScheduleError::Render(format!("the ETag is no header value: {e}")))?;
    let mut response = Response::new(Body::Empty);
    let headers = response.headers_mut();
    headers.insert(ETAG, etag);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_VALUE));
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.typed_insert(LastModified::from(last_modified));
    if not_modified(request.headers(), &encoded.etag, last_modified) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(response);
    }
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(rendered.content_type),
    );
    if encoded.coding == Coding::Gzip {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if request.method() != Method::HEAD {
        *response.body_mut() = encoded.body();
    }
    Ok(response)
}
