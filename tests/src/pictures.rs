//! Pictures as a browser sends them: a real image, posted with the presigned form the API gave.

use std::io::Cursor;

use serde_json::Value;

use crate::Stack;

/// A `width` x `height` PNG with some structure in it.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, 90])
    });
    let mut bytes = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("png");
    bytes.into_inner()
}

/// Posts `bytes` with the form, as a browser would (fields first, the file last).
pub async fn post_with_form(stack: &Stack, form: &Value, bytes: Vec<u8>) -> u16 {
    let url = form["url"].as_str().expect("a url");
    let mut multipart = reqwest::multipart::Form::new();
    for (name, value) in form["fields"].as_object().expect("fields") {
        multipart = multipart.text(name.clone(), value.as_str().expect("text").to_owned());
    }
    multipart = multipart.part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("me.png"),
    );
    let response = stack
        .http
        .post(url)
        .multipart(multipart)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert!((200..300).contains(&status), "{status}: {body}");
    status
}
