//! Production behaviour of the generated client: retries, timeouts, limits, redirects,
//! concurrency, credentials from the environment, User-Agent, tracing. Real HTTP on 127.0.0.1.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use twilio_memory::{
    credentials, Client, ConfigError, DeleteStoreError, Error, RetryConfig, TimeoutConfig, TimeoutKind,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";
const PATH: &str = "/v1/ControlPlane/Stores/mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";
const SECRET: &str = "never-print-this-secret";

fn fast_retry() -> RetryConfig {
    RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)).with_max_backoff(Duration::from_millis(20))
}

fn client_for(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .credentials(credentials::account("AC0123", SECRET))
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn error_body(status: u16) -> serde_json::Value {
    json!({"code": 20429, "message": "slow down", "more_info": "https://example.invalid", "status": status})
}

#[tokio::test]
async fn honours_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(PATH))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1").set_body_json(error_body(429)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(PATH))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"message": "ok"})))
        .expect(1)
        .mount(&server)
        .await;
    let start = Instant::now();
    let resp = client_for(&server.uri()).delete_store(ID).await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1), "waited only {:?}", start.elapsed());
    assert_eq!(resp.body.message.as_deref(), Some("ok"));
}

#[tokio::test]
async fn gives_up_after_the_configured_attempts_with_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(503).set_body_json(error_body(503)))
        .expect(4)
        .mount(&server)
        .await;
    let err = client_for(&server.uri()).delete_store(ID).retry(fast_retry().with_max_attempts(4)).await.unwrap_err();
    assert_eq!(err.attempts(), 4);
    assert!(matches!(err.service_error(), Some(DeleteStoreError::ServiceUnavailable(_))), "{err:?}");
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
}

#[tokio::test]
async fn internal_server_error_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(500).set_body_json(error_body(500)))
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server.uri()).delete_store(ID).await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert!(matches!(err.service_error(), Some(DeleteStoreError::InternalServerError(_))));
}

#[tokio::test]
async fn connection_refused_is_retried_then_a_transport_error() {
    // Bind, note the port, close: nothing listens there any more.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let err = client_for(&format!("http://127.0.0.1:{port}")).delete_store(ID).await.unwrap_err();
    match &err {
        Error::Transport { attempts, .. } => assert_eq!(*attempts, 3),
        other => panic!("expected a transport error, got {other:?}"),
    }
    // The message names the root cause, not only the URL.
    let msg = err.to_string();
    assert!(msg.to_ascii_lowercase().contains("connection refused"), "{msg}");
    assert!(!msg.contains(SECRET));
}

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn per_attempt_timeout_and_overall_deadline_are_honoured() {
    let base = silent_server().await;
    // Per-attempt timeout: 3 attempts of 150 ms, then a timeout error naming the attempt limit.
    let start = Instant::now();
    let err = client_for(&base)
        .delete_store(ID)
        .attempt_timeout(Duration::from_millis(150))
        .total_timeout(Duration::from_secs(10))
        .await
        .unwrap_err();
    let took = start.elapsed();
    match err {
        Error::Timeout { kind: TimeoutKind::Attempt, attempts: 3, .. } => {}
        other => panic!("expected 3 attempt timeouts, got {other:?}"),
    }
    assert!(took >= Duration::from_millis(450) && took < Duration::from_secs(3), "took {took:?}");

    // The overall deadline cuts the retries short.
    let start = Instant::now();
    let err = client_for(&base)
        .delete_store(ID)
        .attempt_timeout(Duration::from_secs(5))
        .total_timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::Total, attempts: 1, .. }), "{err:?}");
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(2), "took {took:?}");

    // Client-level configuration works the same way.
    let c = Client::builder()
        .base_url(&base)
        .timeouts(
            TimeoutConfig::standard()
                .with_attempt(Some(Duration::from_millis(100)))
                .with_total(Some(Duration::from_millis(250))),
        )
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = c.delete_store(ID).await.unwrap_err();
    // 100 ms attempts within a 250 ms deadline: the third attempt is cut by the deadline.
    match err {
        Error::Timeout { kind: TimeoutKind::Total, attempts: 3, elapsed } => {
            assert!(elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(2), "{elapsed:?}")
        }
        other => panic!("expected the overall deadline on the third attempt, got {other:?}"),
    }
}

#[tokio::test]
async fn oversized_bodies_are_an_error_not_an_allocation() {
    let server = MockServer::start().await;
    let big = format!("{{\"message\": \"{}\"}}", "x".repeat(64 * 1024));
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(202).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let c = Client::builder().base_url(server.uri()).max_response_bytes(16 * 1024).build().unwrap();
    match c.delete_store(ID).await.unwrap_err() {
        Error::ResponseTooLarge { status, limit, .. } => assert_eq!((status.as_u16(), limit), (202, 16 * 1024)),
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
}

/// Serve one raw HTTP response per connection.
async fn raw_server(response: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(response).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// A server may claim any length: the client's buffer grows with the bytes that arrive, so a
/// huge `Content-Length` with no limit set is a transport error when the connection closes, not
/// an attempt to allocate the claimed size (which would abort the process).
#[tokio::test]
async fn a_claimed_length_is_not_an_allocation() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let head =
            b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 4611686018427387904\r\n\r\n";
        let _ = sock.write_all(head).await;
        // Two chunks, apart in time, then the connection closes.
        let _ = sock.write_all(b"{\"message\": ").await;
        let _ = sock.flush().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = sock.write_all(b"\"partial").await;
        let _ = sock.flush().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = sock.shutdown().await;
    });
    let c = Client::builder()
        .base_url(format!("http://{addr}"))
        .retry(RetryConfig::disabled())
        .max_response_bytes(usize::MAX)
        .build()
        .unwrap();
    let err = c.delete_store(ID).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn truncated_and_malformed_json() {
    // The connection closes before the announced length: a transport error (body read failed).
    let base = raw_server(
        b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"message\": \"tru",
    )
    .await;
    let err = client_for(&base).delete_store(ID).retry(RetryConfig::disabled()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    // A complete response whose JSON is cut short: a decode error with the text.
    let base = raw_server(
        b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"message\": \"tr",
    )
    .await;
    match client_for(&base).delete_store(ID).await.unwrap_err() {
        Error::Decode { status, body, .. } => assert_eq!((status.as_u16(), body.as_str()), (202, "{\"message\": \"tr")),
        other => panic!("expected Decode, got {other:?}"),
    }
    // Wrong JSON types in a field: also a decode error, never a panic.
    let base = raw_server(
        b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"message\": 12}",
    )
    .await;
    assert!(matches!(client_for(&base).delete_store(ID).await.unwrap_err(), Error::Decode { .. }));
}

#[tokio::test]
async fn redirects_are_not_followed_and_credentials_stay_home() {
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any()).respond_with(ResponseTemplate::new(202)).expect(0).mount(&elsewhere).await;
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", format!("{}{PATH}", elsewhere.uri()).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server.uri()).delete_store(ID).await.unwrap_err();
    match err.into_service_error() {
        Some(DeleteStoreError::Unhandled(r)) => assert_eq!(r.status.as_u16(), 302),
        other => panic!("expected the 302 as an undocumented status, got {other:?}"),
    }
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_share_one_client() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({})))
        .expect(200)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.delete_store(ID).await.map(|r| r.status.as_u16()) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 202);
    }
    // Close the pool's connections and verify while the runtime still runs: dropping a mock
    // server with open connections from a blocking drop could spin.
    drop(client);
    tokio::task::yield_now().await;
    server.verify().await;
}

#[tokio::test]
async fn user_agent_has_version_platform_and_suffix() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(202)).mount(&server).await;
    let c = Client::builder().base_url(server.uri()).user_agent_suffix("my-app/2.1").build().unwrap();
    c.delete_store(ID).await.unwrap();
    let req = &server.received_requests().await.unwrap()[0];
    let ua = req.headers.get("user-agent").unwrap().to_str().unwrap().to_owned();
    // The client crate's own version (not this test crate's).
    let manifest = std::fs::read_to_string(tests::root().join("generated/Cargo.toml")).unwrap();
    let version = manifest.lines().find_map(|l| l.strip_prefix("version = \"")).unwrap().trim_end_matches('"');
    let expected =
        format!("twilio-memory-rust/{version} ({} {}) my-app/2.1", std::env::consts::OS, std::env::consts::ARCH);
    assert_eq!(ua, expected);
    // No credentials configured: no Authorization header at all.
    assert!(req.headers.get("authorization").is_none());
}

#[tokio::test]
async fn bring_your_own_reqwest_client() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(202)).expect(1).mount(&server).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    let c = Client::builder().base_url(server.uri()).http_client(http).build().unwrap();
    assert_eq!(c.delete_store(ID).await.unwrap().status.as_u16(), 202);
}

#[test]
fn credentials_from_the_environment() {
    // The only test in this binary that touches these variables.
    let vars = ["TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"];
    let clear = || vars.iter().for_each(|v| std::env::remove_var(v));
    clear();
    match credentials::from_env() {
        Err(ConfigError::MissingEnv { missing }) => assert_eq!(missing, vars),
        other => panic!("{other:?}"),
    }
    let msg = Client::from_env().unwrap_err().to_string();
    assert!(msg.contains("TWILIO_API_KEY") && msg.contains("TWILIO_AUTH_TOKEN"), "{msg}");

    std::env::set_var("TWILIO_ACCOUNT_SID", "AC42");
    match credentials::from_env() {
        Err(ConfigError::MissingEnv { missing }) => assert_eq!(missing, ["TWILIO_AUTH_TOKEN"]),
        other => panic!("{other:?}"),
    }
    std::env::set_var("TWILIO_AUTH_TOKEN", SECRET);
    let c = credentials::from_env().unwrap();
    assert_eq!(c.username(), Some("AC42"));
    // API keys win over account credentials.
    std::env::set_var("TWILIO_API_KEY", "SK42");
    std::env::set_var("TWILIO_API_SECRET", SECRET);
    let c = credentials::from_env().unwrap();
    assert_eq!(c.username(), Some("SK42"));
    let client = Client::from_env().unwrap();
    for text in [format!("{c:?}"), format!("{client:?}"), format!("{:?}", Client::builder().credentials(c.clone()))] {
        assert!(!text.contains(SECRET), "secret in {text}");
    }
    clear();
}

/// Accepts connections; the first `failures` are closed after the request arrives (before, or
/// in the middle of, the response), the rest get `response`.
async fn flaky_server(failures: usize, partial: bool, response: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                if n < failures {
                    if partial {
                        let _ = sock
                            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{\"mess")
                            .await;
                    }
                    // Close: reset before (or in the middle of) the response.
                    return;
                }
                let _ = sock.write_all(response).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), seen)
}

const ACCEPTED: &[u8] =
    b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 16\r\nconnection: close\r\n\r\n{\"message\":\"ok\"}";

#[tokio::test]
async fn connections_closed_before_or_during_the_response_are_retried() {
    for partial in [false, true] {
        let (url, seen) = flaky_server(2, partial, ACCEPTED).await;
        let resp = client_for(&url).delete_store(ID).await.unwrap_or_else(|e| panic!("partial={partial}: {e}"));
        assert_eq!(resp.body.message.as_deref(), Some("ok"));
        assert_eq!(seen.load(Ordering::SeqCst), 3, "partial={partial}: two failures, then the answer");
    }
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = MockServer::start().await;
    let when = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(503).insert_header("Retry-After", when.as_str()).set_body_json(error_body(503)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"message": "ok"})))
        .mount(&server)
        .await;
    let start = Instant::now();
    client_for(&server.uri()).delete_store(ID).await.unwrap();
    // The date has whole seconds: at least one second of the two is waited.
    assert!(start.elapsed() >= Duration::from_millis(900), "waited only {:?}", start.elapsed());
}

#[tokio::test]
async fn retry_after_beyond_the_cap_ends_the_call_at_once_with_the_value() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "3600").set_body_json(error_body(503)))
        .expect(1)
        .mount(&server)
        .await;
    let start = Instant::now();
    let err = client_for(&server.uri()).delete_store(ID).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2), "did not give up at once: {:?}", start.elapsed());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.attempts(), 1);
    assert!(matches!(err.service_error(), Some(DeleteStoreError::ServiceUnavailable(_))), "{err:?}");
    assert!(err.to_string().contains("retry after 3600s"), "{err}");
}

#[tokio::test]
async fn a_documented_status_with_a_foreign_body_keeps_its_variant() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404).set_body_raw("<html><body>Not Found</body></html>", "text/html"))
        .mount(&server)
        .await;
    let err = client_for(&server.uri()).delete_store(ID).await.unwrap_err();
    match err.into_service_error() {
        Some(DeleteStoreError::NotFound(r)) => {
            assert!(r.body.parsed().is_none());
            assert_eq!(r.body.unparsed(), Some("<html><body>Not Found</body></html>"));
        }
        other => panic!("expected the NotFound variant with the text, got {other:?}"),
    }
}

#[test]
fn a_base_url_with_credentials_is_refused_without_showing_them() {
    let err = Client::builder().base_url(format!("http://AC1:{SECRET}@127.0.0.1:9")).build().unwrap_err();
    assert!(matches!(err, ConfigError::CredentialsInBaseUrl), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(SECRET));
}
