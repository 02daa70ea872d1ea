use std::time::Instant;

use cfp_observability::Instrument;
use cfp_s3::SearchIndexBucket;
use cfp_search::IndexCache;
use lambda_http::{Error, service_fn};
use search_talks::{Dependencies, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation; the cache of loaded indexes lives
    // as long as the container.
    let config = cfp_sdk_config::load().await;
    let bucket = std::env::var("SEARCH_INDEX_BUCKET")
        .expect("SEARCH_INDEX_BUCKET must name the search index bucket (template.yaml sets it)");
    let blobs = SearchIndexBucket::new(SearchIndexBucket::client_for(&config), bucket);
    let cache = IndexCache::default();
    let dependencies = Dependencies {
        blobs: &blobs,
        cache: &cache,
    };
    let dependencies = &dependencies;

    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        // Each line of the invocation carries the event and proposal or talk it is about.
        let span = cfp_observability::http_request_span(&request);
        cfp_observability::http_invocation(handle(request, dependencies, Instant::now()))
            .instrument(span)
    }))
    .await
}
