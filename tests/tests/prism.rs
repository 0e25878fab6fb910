//! Contract test: the generated client against Prism mocking the published `spec/twilio_memory_v1.json`.
//!
//! `.ci/run` installs `@stoplight/prism-cli@5.14.2`, starts `prism mock --dynamic --seed apigen spec/twilio_memory_v1.json
//! --errors` on 127.0.0.1 and exports `PRISM_URL`. Without `PRISM_URL` when the tests are built
//! (`tests/build.rs` sets `cfg(prism)` from it), these tests show as `ignored` in the test
//! output, with the reason; on CI (`CI` set) a missing Prism is a failure.

use twilio_memory::header::{HeaderName, HeaderValue};
use twilio_memory::{credentials, Client, DeleteStoreError, Error, RetryConfig};

const ID: &str = "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";

/// CI runs the contract tests: there, building without `PRISM_URL` is a failure.
#[test]
fn ci_runs_the_contract_tests() {
    assert!(
        cfg!(prism) || std::env::var_os("CI").is_none(),
        "CI must run the Prism contract tests: PRISM_URL was not set when the tests were built"
    );
}

fn prism() -> Client {
    let url = std::env::var("PRISM_URL").expect("PRISM_URL (set when the tests were built) is still set");
    Client::builder()
        .base_url(url)
        .credentials(credentials::api_key("SK0123", "secret"))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

fn assert_no_violations(headers: &reqwest::header::HeaderMap) {
    assert!(
        headers.get("sl-violations").is_none(),
        "Prism reports request violations: {:?}",
        headers.get("sl-violations")
    );
}

#[tokio::test]
#[cfg_attr(not(prism), ignore = "Prism is not running: `prism mock --dynamic spec/twilio_memory_v1.json`, then set PRISM_URL")]
async fn accepted_response_matches_the_spec() {
    let client = prism();
    let resp = client.delete_store(ID).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(resp.status.as_u16(), 202);
    assert_no_violations(&resp.raw_headers);
    assert!(resp.body.message.is_some() && resp.body.status_url.is_some(), "{:?}", resp.body);
    assert!(resp.headers.operation_id.is_some() && resp.headers.location.is_some());
    assert!(resp.headers.retry_after.is_some());
}

#[tokio::test]
#[cfg_attr(not(prism), ignore = "Prism is not running: `prism mock --dynamic spec/twilio_memory_v1.json`, then set PRISM_URL")]
async fn every_documented_error_status_becomes_its_variant() {
    let client = prism();
    for status in [400u16, 404, 429, 500, 503] {
        let prefer = HeaderValue::from_str(&format!("code={status}")).unwrap();
        let err = client.delete_store(ID).header(HeaderName::from_static("prefer"), prefer).await.unwrap_err();
        let Error::Service { error, attempts, .. } = err else { panic!("{status}: {err:?}") };
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
