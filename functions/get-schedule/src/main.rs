use cfp_observability::Instrument;
use get_schedule::PublicUrls;
use get_schedule::render_cache::RenderCache;
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation.
    let config = cfp_sdk_config::load().await;
    let store = cfp_schedule_dynamodb::ScheduleTable::from_env(cfp_dynamodb::client(&config));
    let setting = |name| std::env::var(name).ok();
    let urls = PublicUrls::new(
        setting("PUBLIC_API_URL").as_deref(),
        setting("PUBLIC_MEDIA_URL").as_deref(),
    )
    .expect("PUBLIC_API_URL and PUBLIC_MEDIA_URL, when set, must be absolute http(s) URLs");
    let cache = RenderCache::new(RenderCache::DEFAULT_BUDGET_BYTES);
    let (store, cache, urls) = (&store, &cache, &urls);

    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        // Each line of the invocation carries the event and proposal or talk it is about.
        let span = cfp_observability::http_request_span(&request);
        cfp_observability::http_invocation(get_schedule::handle(request, store, cache, urls))
            .instrument(span)
    }))
    .await
}
