//! Paginators, operation waiters, redirects and compression of the generated Memory client,
//! against local HTTP servers (wiremock on 127.0.0.1).

use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

use serde_json::json;
use twilio_memory::{
    credentials, Client, DeleteProfileResponse, Error, RetryConfig, Store, StoreId, TryStreamExt, WaitError,
    WaitOptions,
};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const STORE: &str = "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";
const PROFILE: &str = "mem_profile_01h9krwzhcf3bdm6wdzwpvc3zj";
const CANONICAL: &str = "mem_profile_7zzzzzzzzzzzzzzzzzzzzzzzzz";
// base64("SK0123456789abcdef:secret")
const AUTH: &str = "Basic U0swMTIzNDU2Nzg5YWJjZGVmOnNlY3JldA==";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(credentials::api_key("SK0123456789abcdef", "secret"))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

fn store_id(n: u32) -> String {
    format!("mem_store_0{n:025}")
}

/// Three pages of stores: the first (no token), then `t1`, then `t2` (the last, no next token).
async fn mount_pages(server: &MockServer) {
    let page = |ids: std::ops::Range<u32>, next: Option<&str>| {
        let mut meta = json!({"key": "stores", "pageSize": 2});
        if let Some(n) = next {
            meta["nextToken"] = json!(n);
        }
        ResponseTemplate::new(200).set_body_json(json!({"stores": ids.map(store_id).collect::<Vec<_>>(), "meta": meta}))
    };
    let list = || Mock::given(method("GET")).and(path("/v1/ControlPlane/Stores")).and(query_param("pageSize", "2"));
    list().and(query_param_is_missing("pageToken")).respond_with(page(0..2, Some("t1"))).expect(1).mount(server).await;
    list().and(query_param("pageToken", "t1")).respond_with(page(2..4, Some("t2"))).expect(1).mount(server).await;
    list().and(query_param("pageToken", "t2")).respond_with(page(4..5, None)).expect(1).mount(server).await;
}

#[tokio::test]
async fn items_follow_next_tokens_across_pages() {
    let server = MockServer::start().await;
    mount_pages(&server).await;
    let ids: Vec<StoreId> = client(&server).list_stores().page_size(2u64).items().try_collect().await.unwrap();
    let got: Vec<&str> = ids.iter().map(StoreId::as_str).collect();
    let want: Vec<String> = (0..5).map(store_id).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn pages_are_whole_responses_and_an_error_ends_the_stream() {
    let server = MockServer::start().await;
    let list = || Mock::given(method("GET")).and(path("/v1/ControlPlane/Stores"));
    list()
        .and(query_param_is_missing("pageToken"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"stores": [store_id(1)], "meta": {"nextToken": "t1"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    list().and(query_param("pageToken", "t1")).respond_with(ResponseTemplate::new(500)).expect(1).mount(&server).await;
    let pages: Vec<_> = twilio_memory::StreamExt::collect(client(&server).list_stores().pages()).await;
    assert_eq!(pages.len(), 2, "one page, then the error, then nothing");
    let first = pages[0].as_ref().unwrap();
    assert_eq!(first.status.as_u16(), 200);
    assert_eq!(first.body.meta.as_ref().unwrap().next_token.as_deref(), Some("t1"));
    assert!(matches!(&pages[1], Err(Error::Service { .. })), "{:?}", pages[1]);
}

#[tokio::test]
async fn a_repeated_token_ends_the_stream() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/ControlPlane/Stores"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"stores": [store_id(1)], "meta": {"nextToken": "same"}})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let ids: Vec<StoreId> = client(&server).list_stores().items().try_collect().await.unwrap();
    assert_eq!(ids.len(), 2, "the first page, the page for `same`, and no third request");
}

/// The ID a response carries is the type the calls take.
#[tokio::test]
async fn a_store_read_from_a_response_goes_back_into_calls() {
    let server = MockServer::start().await;
    let store_path = format!("/v1/ControlPlane/Stores/{STORE}");
    Mock::given(method("GET"))
        .and(path(store_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": STORE, "uniqueName": "support", "displayName": "support", "status": "ACTIVE", "version": 1
        })))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(store_path.as_str()))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let id: StoreId = STORE.parse().unwrap();
    let store: Store = c.fetch_store(&id).await.unwrap().body;
    assert_eq!(c.delete_store(&store.id).await.unwrap().status.as_u16(), 202);
    assert_eq!(c.fetch_store(&store.id).await.unwrap().body.id, store.id);
}

fn operation(state: &str, retry_after: Option<&str>) -> ResponseTemplate {
    let mut body = json!({"operationId": "op_1", "status": state, "createdAt": "2026-11-29T10:00:00Z"});
    if state == "FAILED" {
        body["error"] = json!({"title": "Store in use", "code": 40901, "detail": "the store has active profiles"});
    }
    let t = ResponseTemplate::new(200).set_body_json(body).insert_header("Operation-Id", "op_1");
    match retry_after {
        Some(s) => t.insert_header("Retry-After", s),
        None => t,
    }
}

async fn mount_delete(server: &MockServer, retry_after: &str) {
    Mock::given(method("DELETE"))
        .and(path(format!("/v1/ControlPlane/Stores/{STORE}")))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!({"message": "accepted", "statusUrl": "https://memory.twilio.com/v1/ControlPlane/Operations/op_1"}))
                .insert_header("Operation-Id", "op_1")
                .insert_header("Location", "https://memory.twilio.com/v1/ControlPlane/Operations/op_1")
                .insert_header("Retry-After", retry_after),
        )
        .expect(1)
        .mount(server)
        .await;
}

/// Answers each poll with the next state, and records when each poll came.
struct Sequence {
    states: Vec<(&'static str, Option<&'static str>)>,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Instant>>>,
}

impl wiremock::Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut seen = self.seen.lock().unwrap();
        seen.push(Instant::now());
        let (state, retry_after) = self.states[(seen.len() - 1).min(self.states.len() - 1)];
        operation(state, retry_after)
    }
}

#[tokio::test]
async fn wait_polls_until_completed_honouring_retry_after() {
    let server = MockServer::start().await;
    mount_delete(&server, "1").await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path("/v1/ControlPlane/Operations/op_1"))
        .and(header("authorization", AUTH))
        .respond_with(Sequence {
            states: vec![("PENDING", Some("0")), ("RUNNING", Some("1")), ("COMPLETED", None)],
            seen: seen.clone(),
        })
        .expect(3)
        .mount(&server)
        .await;
    let start = Instant::now();
    let id: StoreId = STORE.parse().unwrap();
    let done = client(&server).delete_store(&id).wait().await.unwrap();
    assert_eq!(done.status.as_str(), "COMPLETED");
    assert_eq!(done.operation_id, "op_1");
    let seen = seen.lock().unwrap();
    // The 202's Retry-After (1 s) before the first poll, 0 s, then 1 s.
    assert!(seen[0] - start >= Duration::from_secs(1), "first poll after {:?}", seen[0] - start);
    assert!(seen[2] - seen[1] >= Duration::from_secs(1), "third poll {:?} after the second", seen[2] - seen[1]);
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_failed_operation_is_a_typed_error_with_its_reason() {
    let server = MockServer::start().await;
    mount_delete(&server, "0").await;
    Mock::given(method("GET"))
        .and(path("/v1/ControlPlane/Operations/op_1"))
        .respond_with(operation("FAILED", None))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).delete_store(STORE).wait().await.unwrap_err();
    let WaitError::Failed { operation_id, state, detail, status } = &err else { panic!("{err:?}") };
    assert_eq!((operation_id.as_str(), state.as_str()), ("op_1", "FAILED"));
    assert!(detail.as_deref().unwrap().contains("active profiles"), "{detail:?}");
    assert_eq!(status.error.as_ref().unwrap().code, Some(40901));
    let msg = err.to_string();
    assert!(msg.contains("op_1") && msg.contains("FAILED") && msg.contains("active profiles"), "{msg}");
}

#[tokio::test]
async fn waiting_is_bounded_by_the_deadline() {
    let server = MockServer::start().await;
    mount_delete(&server, "0").await;
    Mock::given(method("GET"))
        .and(path("/v1/ControlPlane/Operations/op_1"))
        .respond_with(operation("RUNNING", Some("30")))
        .expect(1)
        .mount(&server)
        .await;
    let start = Instant::now();
    let options = WaitOptions::default().timeout(Duration::from_secs(2));
    let err = client(&server).delete_store(STORE).wait_with(options).await.unwrap_err();
    let WaitError::TimedOut { last, .. } = &err else { panic!("{err:?}") };
    assert_eq!(last.as_ref().unwrap().status.as_str(), "RUNNING");
    assert!(start.elapsed() < Duration::from_secs(2), "a 30 s Retry-After past the deadline ends the wait at once");
}

#[tokio::test]
async fn the_request_error_and_a_missing_operation_header_are_reported() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"code": 20404, "message": "no such store"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let err = client(&server).delete_store(STORE).wait().await.unwrap_err();
    assert!(matches!(err, WaitError::Request(Error::Service { .. })), "{err:?}");
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(202)).mount(&server).await;
    let err = client(&server).delete_store(STORE).wait().await.unwrap_err();
    assert!(matches!(err, WaitError::NoOperation { .. }), "{err:?}");
    // An invalid ID never reaches the server.
    let err = client(&server).delete_store("mem_store_nope").wait().await.unwrap_err();
    assert!(matches!(err, WaitError::Request(Error::InvalidRequest { .. })), "{err:?}");
}

fn profile_path(profile: &str) -> String {
    format!("/v1/Stores/{STORE}/Profiles/{profile}")
}

#[tokio::test]
async fn a_same_origin_308_is_followed_with_method_and_credentials() {
    let server = MockServer::start().await;
    let canonical = format!("{}{}", server.uri(), profile_path(CANONICAL));
    Mock::given(method("DELETE"))
        .and(path(profile_path(PROFILE)))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("Location", canonical.as_str())
                .insert_header("Canonical-Profile-Id", CANONICAL)
                .set_body_json(json!({"message": "moved", "uri": canonical})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(profile_path(CANONICAL)))
        .and(header("authorization", AUTH))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"message": "Profile deletion accepted."})))
        .expect(1)
        .mount(&server)
        .await;
    let resp = client(&server).delete_profile(STORE, PROFILE).await.unwrap();
    let DeleteProfileResponse::Accepted(r) = resp else { panic!("{resp:?}") };
    assert_eq!(r.status.as_u16(), 202);
}

#[tokio::test]
async fn a_patch_body_is_replayed_on_308() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(profile_path(PROFILE)))
        .respond_with(ResponseTemplate::new(308).insert_header("Location", profile_path(CANONICAL).as_str()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(profile_path(CANONICAL)))
        .and(header("authorization", AUTH))
        .and(body_json(json!({"traits": {"Contact": {"firstName": "Ada"}}})))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"message": "accepted"})))
        .expect(1)
        .mount(&server)
        .await;
    let traits: twilio_memory::TraitGroups = serde_json::from_value(json!({"Contact": {"firstName": "Ada"}})).unwrap();
    let body = twilio_memory::ProfilePatch::new().with_traits(traits);
    let resp = client(&server).patch_profile_traits(STORE, PROFILE, body).await.unwrap();
    assert_eq!(twilio_memory::HttpResponse::status(&resp).as_u16(), 202, "{resp:?}");
}

#[tokio::test]
async fn a_cross_origin_308_is_returned_not_followed() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let target = format!("{}{}", elsewhere.uri(), profile_path(CANONICAL));
    Mock::given(method("DELETE"))
        .and(path(profile_path(PROFILE)))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("Location", target.as_str())
                .insert_header("Canonical-Profile-Id", CANONICAL)
                .set_body_json(json!({"message": "moved", "uri": target})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any()).respond_with(ResponseTemplate::new(202)).expect(0).mount(&elsewhere).await;
    let resp = client(&server).delete_profile(STORE, PROFILE).await.unwrap();
    let DeleteProfileResponse::PermanentRedirect(r) = resp else { panic!("{resp:?}") };
    assert_eq!(r.headers.location.as_deref(), Some(target.as_str()));
    assert_eq!(r.headers.canonical_profile_id.as_ref().map(|p| p.as_str()), Some(CANONICAL));
}

#[tokio::test]
async fn redirects_stop_after_a_few_hops() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("Location", profile_path(PROFILE).as_str())
                .set_body_json(json!({"message": "moved", "uri": profile_path(PROFILE)})),
        )
        .expect(1 + u64::from(twilio_memory_runtime_max_redirects()))
        .mount(&server)
        .await;
    let resp = client(&server).delete_profile(STORE, PROFILE).await.unwrap();
    assert!(matches!(resp, DeleteProfileResponse::PermanentRedirect(_)), "{resp:?}");
}

fn twilio_memory_runtime_max_redirects() -> u32 {
    apigen_runtime::MAX_REDIRECTS
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[tokio::test]
async fn content_encoding_gzip_compresses_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/Observations", profile_path(PROFILE))))
        .and(header("content-encoding", "gzip"))
        .respond_with(|req: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&gunzip(&req.body)).unwrap();
            assert_eq!(body["observations"][0]["content"], "prefers email");
            ResponseTemplate::new(202).set_body_json(json!({"message": "accepted"}))
        })
        .expect(1)
        .mount(&server)
        .await;
    let observation = twilio_memory::ObservationCreateRequest::new(
        "prefers email".into(),
        time::OffsetDateTime::UNIX_EPOCH,
        "crm".parse().unwrap(),
    );
    let body = twilio_memory::CreateObservationsRequest::new(vec![observation]);
    let resp = client(&server)
        .create_profile_observation(STORE, PROFILE, body)
        .content_encoding(twilio_memory::ContentEncoding::Gzip)
        .await
        .unwrap();
    assert_eq!(twilio_memory::HttpResponse::status(&resp).as_u16(), 202);
    // An encoding the client cannot produce is refused before sending.
    let body = twilio_memory::CreateObservationsRequest::new(Vec::new());
    let err = client(&server)
        .create_profile_observation(STORE, PROFILE, body)
        .content_encoding(twilio_memory::ContentEncoding::Br)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
}

#[tokio::test]
async fn gzip_responses_are_decompressed_within_the_size_limit() {
    let server = MockServer::start().await;
    let page = serde_json::to_vec(&json!({"stores": [store_id(7)]})).unwrap();
    Mock::given(method("GET"))
        .and(path("/v1/ControlPlane/Stores"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Encoding", "gzip")
                .insert_header("Content-Type", "application/json")
                .set_body_bytes(gzip(&page)),
        )
        .mount(&server)
        .await;
    let resp = client(&server).list_stores().await.unwrap();
    assert_eq!(resp.body.stores.unwrap()[0].as_str(), store_id(7));

    // A small compressed body that inflates past the limit is refused.
    let bomb = MockServer::start().await;
    let mut huge = br#"{"stores": [], "pad": ""#.to_vec();
    huge.extend(std::iter::repeat_n(b'a', 4 << 20));
    huge.extend(br#""}"#);
    let compressed = gzip(&huge);
    assert!(compressed.len() < 64 << 10);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).insert_header("Content-Encoding", "gzip").set_body_bytes(compressed))
        .mount(&bomb)
        .await;
    let small = Client::builder()
        .base_url(bomb.uri())
        .credentials(credentials::api_key("SK0123456789abcdef", "secret"))
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    let err = small.list_stores().await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}
