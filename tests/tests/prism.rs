//! Contract test: the generated client against Prism mocking our own `spec/openapi.yaml`.
//!
//! `.ci/run` installs `@stoplight/prism-cli@5.14.2`, starts `prism mock spec/openapi.yaml
//! --errors` on 127.0.0.1 and exports `PRISM_URL`. Locally, without `PRISM_URL`, the test says
//! it is skipped; on CI (`CI` set) a missing Prism is a failure.

use twilio_memory::header::{HeaderName, HeaderValue};
use twilio_memory::{credentials, Client, DeleteStoreError, Error, RetryConfig};

const ID: &str = "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";

fn prism() -> Option<Client> {
    let Ok(url) = std::env::var("PRISM_URL") else {
        assert!(std::env::var_os("CI").is_none(), "CI must run the Prism contract test: PRISM_URL is not set");
        eprintln!("SKIPPED: Prism is not running (set PRISM_URL, e.g. http://127.0.0.1:4010, after `prism mock spec/openapi.yaml`)");
        return None;
    };
    Some(
        Client::builder()
            .base_url(url)
            .credentials(credentials::api_key("SK0123", "secret"))
            .retry(RetryConfig::disabled())
            .build()
            .unwrap(),
    )
}

fn assert_no_violations(headers: &reqwest::header::HeaderMap) {
    assert!(
        headers.get("sl-violations").is_none(),
        "Prism reports request violations: {:?}",
        headers.get("sl-violations")
    );
}

#[tokio::test]
async fn accepted_response_matches_the_spec() {
    let Some(client) = prism() else { return };
    let resp = client.delete_store(ID).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(resp.status.as_u16(), 202);
    assert_no_violations(&resp.raw_headers);
    assert!(resp.body.message.is_some() && resp.body.status_url.is_some(), "{:?}", resp.body);
    assert!(resp.headers.operation_id.is_some() && resp.headers.location.is_some());
    assert!(resp.headers.retry_after.is_some());
}

#[tokio::test]
async fn every_documented_error_status_becomes_its_variant() {
    let Some(client) = prism() else { return };
    for status in [400u16, 404, 429, 500, 503] {
        let prefer = HeaderValue::from_str(&format!("code={status}")).unwrap();
        let err = client.delete_store(ID).header(HeaderName::from_static("prefer"), prefer).await.unwrap_err();
        let Error::Service { error, attempts } = err else { panic!("{status}: {err:?}") };
        assert_eq!(attempts, 1);
        let raw = match (&error, status) {
            (DeleteStoreError::BadRequest(r), 400) => &r.raw_headers,
            (DeleteStoreError::NotFound(r), 404) => &r.raw_headers,
            (DeleteStoreError::TooManyRequests(r), 429) => {
                assert!(r.headers.retry_after.is_some());
                &r.raw_headers
            }
            (DeleteStoreError::InternalServerError(r), 500) => &r.raw_headers,
            (DeleteStoreError::ServiceUnavailable(r), 503) => &r.raw_headers,
            (other, _) => panic!("{status} became {other:?}"),
        };
        assert_no_violations(raw);
    }
}
