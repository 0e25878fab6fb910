//! Tracing output of the generated client. A test binary of its own: `tracing`'s per-callsite
//! interest is process-wide, so tests without a subscriber running in parallel threads could
//! make this one flaky.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use twilio_memory::{credentials, Client, RetryConfig};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";
const SECRET: &str = "never-print-this-secret";

fn client_for(base: &str) -> Client {
    let retry = RetryConfig::standard()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20));
    Client::builder().base_url(base).credentials(credentials::account("AC0123", SECRET)).retry(retry).build().unwrap()
}

fn error_body(status: u16) -> serde_json::Value {
    json!({"code": 20429, "message": "slow down", "more_info": "https://example.invalid", "status": status})
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_spans_carry_the_request_facts_and_no_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(503).set_body_json(error_body(503)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"message": "secret body text"})))
        .mount(&server)
        .await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    client_for(&server.uri()).delete_store(ID).await.unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for needle in [
        "request",
        "DeleteStore",
        "DELETE",
        "/v1/ControlPlane/Stores/{storeId}",
        "status=202",
        "attempts=2",
        "elapsed_ms",
        "retrying",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in:\n{log}");
    }
    assert!(!log.contains(SECRET), "secret in trace:\n{log}");
    assert!(!log.contains("secret body text"), "body in trace:\n{log}");
    assert!(!log.to_ascii_lowercase().contains("authorization"), "auth header in trace:\n{log}");
}
