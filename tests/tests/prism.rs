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
#[cfg_attr(
    not(prism),
    ignore = "Prism is not running: `prism mock --dynamic spec/twilio_memory_v1.json`, then set PRISM_URL"
)]
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
#[cfg_attr(
    not(prism),
    ignore = "Prism is not running: `prism mock --dynamic spec/twilio_memory_v1.json`, then set PRISM_URL"
)]
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

/// What one call came back with.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// A success status, and Prism's `sl-violations` header if it sent one.
    Success(u16, Option<String>),
    /// A documented error status, as the operation's typed error, and Prism's
    /// `sl-violations` header if it sent one.
    Service(u16, Option<String>),
    /// Anything else (transport, decode, an undocumented status …), described.
    Other(String),
}

/// The request body of `operation`: the example the spec gives for it, read with the generated
/// type (so the spec's own examples are also a test of the types).
fn example<T: serde::de::DeserializeOwned>(spec: &serde_json::Value, operation: &str) -> T {
    let op = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == operation)
        .unwrap_or_else(|| panic!("{operation} is not in the spec"));
    let media = &op["requestBody"]["content"]["application/json"];
    let value = match media.get("example") {
        Some(v) => v.clone(),
        None => media["examples"].as_object().unwrap().values().next().unwrap()["value"].clone(),
    };
    serde_json::from_value(value).unwrap_or_else(|e| panic!("the example body of {operation}: {e}"))
}

fn json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

const PROFILE: &str = "mem_profile_01h9krwzhcf3bdm6wdzwpvc3zj";
const OBSERVATION: &str = "mem_observation_01h9krwzhcf3bdm6wdzwpvc3zj";
const SUMMARY: &str = "mem_summary_01h9krwzhcf3bdm6wdzwpvc3zj";
const MAPPING: &str = "mem_datamapping_01h9krwzhcf3bdm6wdzwpvc3zj";
const IMPORT: &str = "mem_import_01h9krwzhcf3bdm6wdzwpvc3zj";

/// Call `operation` (by its `operationId`) with valid arguments; with `prefer`, send it as
/// Prism's `Prefer` header (`code=404`: answer that status; `dynamic=false`: answer the spec's
/// examples). `None` when this table does not know the operation.
async fn call(c: &Client, spec: &serde_json::Value, operation: &str, prefer: Option<&str>) -> Option<Outcome> {
    use twilio_memory::HttpResponse;
    macro_rules! send {
        ($request:expr) => {{
            let mut request = $request;
            if let Some(prefer) = prefer {
                let value = HeaderValue::from_str(prefer).unwrap();
                request = request.header(HeaderName::from_static("prefer"), value);
            }
            Some(match request.await {
                Ok(resp) => Outcome::Success(resp.status().as_u16(), violations(resp.raw_headers())),
                Err(Error::Service { error, .. }) => {
                    Outcome::Service(error.status().as_u16(), violations(error.raw_headers()))
                }
                Err(e) => Outcome::Other(format!("{e:?}")),
            })
        }};
    }
    match operation {
        "ListStores" => send!(c.list_stores().page_size(10u64)),
        "CreateStore" => {
            send!(c.create_store(json(serde_json::json!({"displayName": "sandbox", "description": "Tests"}))))
        }
        "FetchStore" => send!(c.fetch_store(ID)),
        "PatchStore" => send!(c.patch_store(ID).body(json(serde_json::json!({"description": "Renamed"})))),
        "DeleteStore" => send!(c.delete_store(ID)),
        "FetchOperation" => send!(c.fetch_operation("op_0123")),
        "ListProfiles" => send!(c.list_profiles(ID)),
        "CreateProfile" => send!(c.create_profile(ID, example(spec, operation))),
        "FetchProfile" => send!(c.fetch_profile(ID, PROFILE)),
        "DeleteProfile" => send!(c.delete_profile(ID, PROFILE)),
        "ListProfileTraits" => send!(c.list_profile_traits(ID, PROFILE)),
        "PatchProfileTraits" => send!(c.patch_profile_traits(ID, PROFILE, example(spec, operation))),
        "UpdateProfilesBulk" => send!(c.update_profiles_bulk(ID, example(spec, operation))),
        "CreateProfilesLookup" => send!(c.create_profiles_lookup(ID, example(spec, operation))),
        "ListProfileIdentifiers" => send!(c.list_profile_identifiers(ID, PROFILE)),
        "CreateProfileIdentifier" => send!(c.create_profile_identifier(ID, PROFILE, example(spec, operation))),
        "FetchProfileIdentifier" => send!(c.fetch_profile_identifier(ID, PROFILE, "email")),
        "PatchProfileIdentifier" => send!(c.patch_profile_identifier(ID, PROFILE, "email", example(spec, operation))),
        "DeleteProfileIdentifier" => send!(c.delete_profile_identifier(ID, PROFILE, "email")),
        "CreateFetchProfileMemory" => send!(c.create_fetch_profile_memory(ID, PROFILE, example(spec, operation))),
        "ListProfileObservations" => send!(c.list_profile_observations(ID, PROFILE)),
        "CreateProfileObservation" => send!(c.create_profile_observation(ID, PROFILE, example(spec, operation))),
        "FetchProfileObservation" => send!(c.fetch_profile_observation(ID, PROFILE, OBSERVATION)),
        "PatchProfileObservation" => {
            send!(c.patch_profile_observation(ID, PROFILE, OBSERVATION, example(spec, operation)))
        }
        "DeleteProfileObservation" => send!(c.delete_profile_observation(ID, PROFILE, OBSERVATION)),
        "ListObservationRevisions" => send!(c.list_observation_revisions(ID, PROFILE, OBSERVATION)),
        "ListProfileConversationSummaries" => send!(c.list_profile_conversation_summaries(ID, PROFILE)),
        "CreateProfileConversationSummary" => {
            send!(c.create_profile_conversation_summary(ID, PROFILE, example(spec, operation)))
        }
        "FetchProfileConversationSummary" => send!(c.fetch_profile_conversation_summary(ID, PROFILE, SUMMARY)),
        "PatchProfileConversationSummary" => {
            send!(c.patch_profile_conversation_summary(ID, PROFILE, SUMMARY, example(spec, operation)))
        }
        "DeleteProfileConversationSummary" => send!(c.delete_profile_conversation_summary(ID, PROFILE, SUMMARY)),
        "FetchIdentityResolutionSettings" => send!(c.fetch_identity_resolution_settings(ID)),
        "UpdateIdentityResolutionSettings" => {
            send!(c.update_identity_resolution_settings(ID, example(spec, operation)))
        }
        "ListTraitGroups" => send!(c.list_trait_groups(ID)),
        "CreateTraitGroup" => send!(c.create_trait_group(ID).body(example(spec, operation))),
        "FetchTraitGroup" => send!(c.fetch_trait_group(ID, "Contact")),
        "PatchTraitGroup" => send!(c.patch_trait_group(ID, "Contact").body(example(spec, operation))),
        "DeleteTraitGroup" => send!(c.delete_trait_group(ID, "Contact")),
        "ListDataMappings" => send!(c.list_data_mappings(ID)),
        "CreateDataMapping" => send!(c.create_data_mapping(
            ID,
            json(serde_json::json!({
                "displayName": "crm-contacts",
                "mappingFrom": {"type": "DATASET_WAREHOUSE", "datasetId": "tdi_dataset_01h9krwzhcf3bdm6wdzwpvc3zj"},
                "mappingTo": {"type": "TRAITS", "mappings": [
                    {"expression": "primary_email", "traitGroup": "Contact", "traitName": "email"}
                ]},
            }))
        )),
        "FetchDataMapping" => send!(c.fetch_data_mapping(ID, MAPPING)),
        "PatchDataMapping" => {
            send!(c.patch_data_mapping(ID, MAPPING).body(json(serde_json::json!({"isEnabled": false}))))
        }
        "DeleteDataMapping" => send!(c.delete_data_mapping(ID, MAPPING)),
        "ListProfileImportsV2" => send!(c.list_profile_imports_v2(ID)),
        "CreateProfilesImportV2" => send!(c.create_profiles_import_v2(ID, example(spec, operation))),
        "FetchProfileImportV2" => send!(c.fetch_profile_import_v2(ID, IMPORT)),
        _ => None,
    }
}

fn violations(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers.get("sl-violations").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Whether Prism's `sl-violations` list only its own response's faults (its faker breaks some
/// of the spec's own limits, e.g. `maxProperties` on free-form maps; with `--errors` it then
/// answers 500), none of the request's.
fn only_response_violations(list: &str) -> bool {
    let list: Vec<serde_json::Value> = serde_json::from_str(list).unwrap_or_default();
    !list.is_empty() && list.iter().all(|v| v["location"][0] == "response")
}

/// Every operation of the spec with its documented statuses, from the vendored document.
fn operations(spec: &serde_json::Value) -> Vec<(String, Vec<u16>)> {
    let mut out = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "put", "post", "delete", "patch", "head", "options"].contains(&method.as_str()) {
                continue;
            }
            let statuses = op["responses"].as_object().unwrap().keys().filter_map(|k| k.parse().ok()).collect();
            out.push((op["operationId"].as_str().unwrap().to_owned(), statuses));
        }
    }
    out
}

fn spec() -> serde_json::Value {
    let text = std::fs::read_to_string(tests::root().join("spec/twilio_memory_v1.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
#[cfg_attr(
    not(prism),
    ignore = "Prism is not running: `prism mock --dynamic spec/twilio_memory_v1.json`, then set PRISM_URL"
)]
async fn prism_rejects_a_request_that_breaks_the_spec() {
    // The contract test means something only if Prism validates requests: a raw request with a
    // store ID outside the pattern is refused with its violations listed.
    let url = std::env::var("PRISM_URL").unwrap();
    let resp = reqwest::Client::new()
        .delete(format!("{url}/v1/ControlPlane/Stores/not-a-store"))
        .basic_auth("SK0123", Some("secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400, "{:?}", resp.headers());
    assert!(resp.headers().get("sl-violations").is_some());
}

#[tokio::test]
#[cfg_attr(
    not(prism),
    ignore = "Prism is not running: `prism mock --dynamic spec/twilio_memory_v1.json`, then set PRISM_URL"
)]
async fn every_operation_passes_request_validation_and_every_error_status_is_typed() {
    // Prism's dynamic responses carry a made-up `Content-Encoding` (the spec documents the
    // header) over a plain body: this client does not decompress.
    let http =
        reqwest::Client::builder().no_gzip().no_deflate().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = std::env::var("PRISM_URL").unwrap();
    let client = Client::builder()
        .base_url(url)
        .credentials(credentials::api_key("SK0123", "secret"))
        .retry(RetryConfig::disabled())
        .http_client(http)
        .build()
        .unwrap();
    let spec = spec();
    let ops = operations(&spec);
    assert_eq!(ops.len(), 46, "the published Memory API has 46 operations");
    let mut problems = Vec::new();
    let mut calls = 0;
    let mut mock_faults = Vec::new();
    for (op, statuses) in &ops {
        let Some(outcome) = call(&client, &spec, op, None).await else {
            problems.push(format!("{op}: not called by this test (add it to `call`)"));
            continue;
        };
        calls += 1;
        let ok =
            |o: &Outcome| matches!(o, Outcome::Success(status, None) if statuses.contains(status) && *status < 300);
        match outcome {
            o if ok(&o) => {}
            Outcome::Service(500, Some(v)) if only_response_violations(&v) => {
                // Prism's made-up answer broke the spec (the request was valid): ask for the
                // spec's own examples instead.
                mock_faults.push(op.clone());
                calls += 1;
                match call(&client, &spec, op, Some("dynamic=false")).await {
                    Some(o) if ok(&o) => {}
                    other => problems.push(format!("{op} (answered from examples): {other:?}")),
                }
            }
            other => problems.push(format!("{op}: {other:?}")),
        }
        // Every documented error status, forced: it must arrive as the typed error.
        for &status in statuses.iter().filter(|s| **s >= 400) {
            calls += 1;
            match call(&client, &spec, op, Some(&format!("code={status}"))).await {
                Some(Outcome::Service(got, None)) if got == status => {}
                other => problems.push(format!("{op} with Prefer: code={status}: {other:?}")),
            }
        }
    }
    assert!(problems.is_empty(), "{} of {calls} calls went wrong:\n{}", problems.len(), problems.join("\n"));
    assert!(calls > 46 * 3, "{calls} calls");
    if !mock_faults.is_empty() {
        eprintln!("Prism's generated responses broke the spec (request valid) for {mock_faults:?}");
    }
}
