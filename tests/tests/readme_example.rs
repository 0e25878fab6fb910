//! The README's usage example, compiled (not run: it would call the real API). The test also
//! checks that the README still shows this code, so the two cannot drift apart.

mod example {
    use std::time::Duration;
    use twilio_memory::{credentials, Client, DeleteStoreError, Error, RetryConfig, StoreId};

    pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
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

        let store: StoreId = "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj".parse()?; // validated, no regex engine
        match client.delete_store(&store).await {
            Ok(accepted) => println!("{:?} {:?}", accepted.body.status_url, accepted.headers.operation_id),
            Err(Error::Service { error: DeleteStoreError::NotFound(r), .. }) => {
                println!("gone: {:?}", r.body.parsed().and_then(|b| b.message.as_deref()))
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}

/// The code of the README's `rust,ignore` block, whitespace removed.
fn readme_block() -> String {
    let readme = std::fs::read_to_string(tests::root().join("README.md")).unwrap();
    let start = readme.find("```rust,ignore").expect("README has the usage example") + "```rust,ignore".len();
    let end = start + readme[start..].find("```").unwrap();
    readme[start..end].replace("#[tokio::main]", "").chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn readme_example_compiles_and_matches_the_readme() {
    fn assert_send<T: Send>(_: &T) {}
    // Building the future type-checks the example's calls; it is dropped without being polled.
    let future = example::main();
    assert_send(&future);
    drop(future);
    let here: String = include_str!("readme_example.rs").chars().filter(|c| !c.is_whitespace()).collect();
    let block = readme_block().replace("asyncfnmain", "pub(crate)asyncfnmain");
    assert!(here.contains(&block), "README.md's example and tests/tests/readme_example.rs differ");
}
