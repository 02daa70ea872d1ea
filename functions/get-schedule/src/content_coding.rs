//! gzip as a content coding. Exports of a big event (1,000 talks with long descriptions) exceed
//! the 6 MB a Lambda response can carry; gzip makes them several times smaller, and CDNs and
//! HTTP clients ask for it anyway.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

/// Whether `Accept-Encoding` admits gzip (RFC 9110 12.5.3): `gzip` (or `x-gzip`) with a
/// non-zero weight, or else `*` with one. A weight that is no number counts as zero.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip: Option<f32> = None;
    let mut any: Option<f32> = None;
    let values = headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok());
    for item in values.flat_map(|value| value.split(',')) {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let weight = parts
            .filter_map(|p| {
                let (name, value) = p.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| value.trim().parse::<f32>().unwrap_or(0.0))
            })
            .next()
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(gzip.map_or(weight, |w| w.max(weight))),
            "*" => any = Some(weight),
            _ => {}
        }
    }
    gzip.or(any).is_some_and(|weight| weight > 0.0)
}

/// The gzip stream of `bytes`.
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn accepts(values: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                ACCEPT_ENCODING,
                HeaderValue::from_str(value).expect("value"),
            );
        }
        accepts_gzip(&headers)
    }

    #[test]
    fn gzip_is_accepted_by_name_or_by_star_with_a_weight_above_zero() {
        assert!(!accepts(&[]));
        assert!(accepts(&["gzip"]));
        assert!(accepts(&["gzip, deflate, br"]));
        assert!(accepts(&["br;q=1.0, GZIP;q=0.5"]));
        assert!(accepts(&["deflate", "x-gzip"]));
        assert!(accepts(&["*"]));
        assert!(accepts(&["br, *;q=0.1"]));
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["br, deflate"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip;q=0.000"]));
        assert!(!accepts(&["*;q=0"]));
        // An explicit refusal of gzip wins over a star.
        assert!(!accepts(&["gzip;q=0, *"]));
        assert!(!accepts(&["gzip;q=nonsense"]));
        assert!(accepts(&[" gzip ; q = 0.8 "]));
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read;
        let text = "schedule ".repeat(1_000);
        let packed = gzip(text.as_bytes()).expect("gzip");
        assert!(packed.len() < text.len() / 10, "{}", packed.len());
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(packed.as_slice())
            .read_to_string(&mut unpacked)
            .expect("gunzip");
        assert_eq!(unpacked, text);
    }
}
