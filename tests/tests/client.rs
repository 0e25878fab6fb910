//! The generated client against a real local HTTP server (wiremock on 127.0.0.1).

use serde_json::json;
use twilio_memory::{credentials, Client, DeleteStoreError, Error, RetryConfig, StoreId};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";
const PATH: &str = "/v1/ControlPlane/Stores/mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";
const SECRET: &str = "s3cr3t-api-key-secret";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(credentials::api_key("SK0123456789abcdef", SECRET))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

fn twilio_error(status: u16) -> serde_json::Value {
    json!({"code": 20000 + status, "message": format!("error {status}"), "more_info": "https://www.twilio.com/docs/errors", "status": status})
}

#[tokio::test]
async fn accepted_with_body_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(PATH))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(
                    json!({"message": "Deletion accepted.", "statusUrl": "https://memory.twilio.com/v1/ops/op_1"}),
                )
                .insert_header("Operation-Id", "op_1")
                .insert_header("Location", "https://memory.twilio.com/v1/ops/op_1")
                .insert_header("Retry-After", "5"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let id: StoreId = ID.parse().unwrap();
    let resp = client(&server).delete_store(&id).await.unwrap();
    assert_eq!(resp.status.as_u16(), 202);
    assert_eq!(resp.body.message.as_deref(), Some("Deletion accepted."));
    assert_eq!(resp.body.status_url.as_deref(), Some("https://memory.twilio.com/v1/ops/op_1"));
    assert_eq!(resp.headers.operation_id.as_deref(), Some("op_1"));
    assert_eq!(resp.headers.location.as_deref(), Some("https://memory.twilio.com/v1/ops/op_1"));
    assert_eq!(resp.headers.retry_after, Some(5));
    assert_eq!(resp.raw_headers.get("operation-id").unwrap(), "op_1");
}

#[tokio::test]
async fn sends_basic_auth_user_agent_and_accept() {
    let server = MockServer::start().await;
    // base64("SK0123456789abcdef:s3cr3t-api-key-secret")
    let expected = "Basic U0swMTIzNDU2Nzg5YWJjZGVmOnMzY3IzdC1hcGkta2V5LXNlY3JldA==";
    Mock::given(method("DELETE"))
        .and(path(PATH))
        .and(header("authorization", expected))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).delete_store(ID).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let ua = requests[0].headers.get("user-agent").unwrap().to_str().unwrap();
    assert!(
        ua.starts_with(&format!("twilio-memory-rust/{} (", env!("CARGO_PKG_VERSION")))
            || ua.starts_with("twilio-memory-rust/0.1.0 ("),
        "{ua}"
    );
    // The path arrives exactly as the template with the encoded ID.
    assert_eq!(requests[0].url.path(), PATH);
}

#[tokio::test]
async fn each_documented_error_status_is_its_own_variant() {
    for status in [400u16, 404, 429, 500, 503] {
        let server = MockServer::start().await;
        let mut template = ResponseTemplate::new(status).set_body_json(twilio_error(status));
        if status == 429 {
            template = template.insert_header("Retry-After", "7");
        }
        Mock::given(method("DELETE")).and(path(PATH)).respond_with(template).expect(1).mount(&server).await;
        let err = client(&server).delete_store(ID).await.unwrap_err();
        assert_eq!(err.attempts(), 1);
        let Error::Service { error, .. } = err else {
            panic!("status {status}: expected a service error, got {err:?}")
        };
        assert_eq!(error.status().as_u16(), status);
        let body = match &error {
            DeleteStoreError::BadRequest(r) if status == 400 => &r.body,
            DeleteStoreError::NotFound(r) if status == 404 => &r.body,
            DeleteStoreError::TooManyRequests(r) if status == 429 => {
                assert_eq!(r.headers.retry_after.as_ref().map(|v| v.as_str()), Some("7"));
                &r.body
            }
            DeleteStoreError::InternalServerError(r) if status == 500 => &r.body,
            DeleteStoreError::ServiceUnavailable(r) if status == 503 => &r.body,
            other => panic!("status {status} mapped to {other:?}"),
        };
        let body = body.parsed().expect("the documented JSON error body");
        assert_eq!(body.code, Some(20000 + i32::from(status)));
        assert_eq!(body.status, Some(i32::from(status)));
        assert_eq!(body.message.as_deref(), Some(format!("error {status}").as_str()));
        assert!(error.to_string().contains(&status.to_string()));
    }
}

#[tokio::test]
async fn undocumented_status_keeps_the_raw_body() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(418).set_body_string("short and stout").insert_header("x-teapot", "yes"))
        .mount(&server)
        .await;
    let err = client(&server).delete_store(ID).await.unwrap_err();
    match err.into_service_error() {
        Some(DeleteStoreError::Unhandled(r)) => {
            assert_eq!(r.status.as_u16(), 418);
            assert_eq!(r.body, "short and stout");
            assert_eq!(r.headers.get("x-teapot").unwrap(), "yes");
        }
        other => panic!("expected Unhandled, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_status_and_text() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(202).set_body_raw("{\"message\": ", "application/json"))
        .mount(&server)
        .await;
    match client(&server).delete_store(ID).await.unwrap_err() {
        Error::Decode { status, body, .. } => {
            assert_eq!(status.as_u16(), 202);
            assert_eq!(body, "{\"message\": ");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    // A documented error status whose body is not the documented JSON (a proxy's HTML page)
    // keeps its variant, with the text.
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>nope</html>"))
        .mount(&server)
        .await;
    match client(&server).delete_store(ID).await.unwrap_err() {
        Error::Service { error: DeleteStoreError::NotFound(r), .. } => {
            assert_eq!((r.status.as_u16(), r.body.unparsed()), (404, Some("<html>nope</html>")))
        }
        other => panic!("expected the NotFound variant, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_id_is_rejected_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(202)).expect(0).mount(&server).await;
    let c = client(&server);
    for bad in [
        "",
        "mem_store_",
        "mem_store_80000000000000000000000000",
        "MEM_STORE_00000000000000000000000000",
        "mem_store_0000000000000000000000000/",
    ] {
        let err = c.delete_store(bad).await.unwrap_err();
        match &err {
            Error::InvalidRequest { source } => assert_eq!(source.type_name(), "StoreId"),
            other => panic!("{bad:?}: expected InvalidRequest, got {other:?}"),
        }
        assert!(!err.may_have_been_sent());
        assert_eq!(err.attempts(), 0);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(500).set_body_json(twilio_error(500)))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.delete_store(ID).await.unwrap_err();
    for text in [
        format!("{c:?}"),
        format!("{err:?}"),
        err.to_string(),
        format!("{:?}", credentials::account("AC1", SECRET)),
        format!("{:?}", c.delete_store(ID)),
    ] {
        assert!(!text.contains(SECRET), "secret leaked in {text}");
        assert!(
            !text.contains("U0swMTIzNDU2Nzg5YWJjZGVmOnMzY3IzdC1hcGkta2V5LXNlY3JldA"),
            "encoded secret leaked in {text}"
        );
    }
    assert!(format!("{c:?}").contains("<redacted>"));
}

/// The future of one call stays small: every layer of it is moved when it starts (and the
/// `IntoFuture` box is one allocation of its size), so values held across an `.await` in the
/// runtime's request loop belong in its `Call` (see ARCHITECTURE.md, the request loop). It was
/// 4,408 bytes before the loop was written for it, ~950 after; 1,032 is the largest block
/// glibc's malloc serves from its per-thread cache.
#[test]
fn a_call_future_stays_small() {
    let client = Client::builder().credentials(credentials::api_key("SK0123456789abcdef", SECRET)).build().unwrap();
    let send = client.delete_store(ID).send();
    let size = std::mem::size_of_val(&send);
    assert!(size <= 1032, "`delete_store(..).send()` is a {size}-byte future (at most 1,032 expected)");
}

/// `send()` only builds the future: as with an `async fn`, the call starts when it is first
/// polled, so its total deadline counts from there, not from when the future was made.
#[tokio::test]
async fn a_call_starts_when_first_polled() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(PATH))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"message": "ok"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let pending = client.delete_store(ID).total_timeout(std::time::Duration::from_millis(200)).send();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let resp = pending.await.expect("the deadline runs from the first poll");
    assert_eq!(resp.status.as_u16(), 202);
}
