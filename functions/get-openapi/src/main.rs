use cfp_observability::Instrument;
use get_openapi::{OpenApiDocument, handle};
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Converted to JSON once per instance; a unit test proves the embedded file converts.
    let document = OpenApiDocument::embedded()
        .expect("openapi/openapi.yaml, embedded at build time, must be a valid YAML mapping");
    let document = &document;

    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        let span = cfp_observability::http_request_span(&request);
        cfp_observability::http_invocation(async move { handle(&request, document) })
            .instrument(span)
    }))
    .await
}
