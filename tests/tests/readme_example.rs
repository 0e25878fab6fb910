//! The README's usage examples cannot drift from code that compiles: the first is
//! `generated/examples/delete_and_wait.rs` (compiled by cargo as an example of the generated
//! crate), the second, a fragment, is compiled here (not run: it would call the real API).

mod configure {
    use twilio_memory::StoreId;

    use std::time::Duration;
    use twilio_memory::{credentials, Client, RetryConfig};

    pub(crate) async fn example(store: StoreId) -> Result<(), Box<dyn std::error::Error>> {
        // credentials::api_key(sid, secret) or credentials::account(account_sid, auth_token);
        // or Client::from_env(), which reads TWILIO_API_KEY + TWILIO_API_SECRET, else
        // TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN.
        let client = Client::builder()
            .credentials(credentials::api_key("SK...", "secret"))
            .attempt_timeout(Duration::from_secs(10)) // per attempt
            .total_timeout(Duration::from_secs(60)) // whole call, retries included
            .retry(RetryConfig::standard().with_max_attempts(4))
            .user_agent_suffix("my-app/1.0")
            .build()?;
        let accepted = client.delete_store(&store).await?; // one call: the 202, its body and headers
        println!("{:?} {:?}", accepted.body.status_url, accepted.headers.operation_id);
        Ok(())
    }
}

/// The README's `rust,ignore` blocks, in order.
fn readme_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(tests::root().join("README.md")).unwrap();
    readme.split("```rust,ignore\n").skip(1).map(|b| b[..b.find("```").unwrap()].to_owned()).collect()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_first_example_is_the_delete_and_wait_example() {
    let file = std::fs::read_to_string(tests::root().join("generated/examples/delete_and_wait.rs")).unwrap();
    // The file without its `//!` header.
    let code: String = file.lines().skip_while(|l| l.starts_with("//!")).collect::<Vec<_>>().join("\n");
    let blocks = readme_blocks();
    assert!(blocks.len() >= 2, "README.md shows the examples");
    assert_eq!(blocks[0].trim(), code.trim(), "README.md's first example is not generated/examples/delete_and_wait.rs");
    assert!(code.contains("client.delete_store(&store).wait().await"));
}

#[test]
fn the_configuration_example_compiles_and_matches_the_readme() {
    fn assert_send<T: Send>(_: &T) {}
    // Building the future type-checks the example's calls; it is dropped without being polled.
    let future = configure::example("mem_store_01h9krwzhcf3bdm6wdzwpvc3zj".parse().unwrap());
    assert_send(&future);
    drop(future);
    // Every line of the README's block appears here, in order (whitespace aside).
    let here = squeeze(include_str!("readme_example.rs"));
    let mut rest = here.as_str();
    for line in readme_blocks()[1].lines().map(squeeze).filter(|l| !l.is_empty()) {
        let at = rest.find(&line).unwrap_or_else(|| {
            panic!("README.md's configuration example has `{line}`, tests/tests/readme_example.rs does not (in order)")
        });
        rest = &rest[at + line.len()..];
    }
}
