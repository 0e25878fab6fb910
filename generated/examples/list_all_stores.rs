//! List every Memory Store of the account, across pages.
//!
//! ```sh
//! export TWILIO_API_KEY=SK... TWILIO_API_SECRET=...   # or TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN
//! cargo run -p twilio-memory --example list_all_stores
//! ```
//!
//! Hand-written: `cargo xtask codegen` never touches this folder.

use twilio_memory::{Client, StoreId, TryStreamExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;

    // `items()` follows `meta.nextToken` from page to page (each page with the client's
    // retries); the page size stays a setter. `pages()` gives whole pages instead.
    let mut stores = client.list_stores().page_size(50u64).items();
    let mut count = 0;
    while let Some(id) = stores.try_next().await? {
        let id: StoreId = id; // the type `fetch_store`, `delete_store`, … take
        println!("{id}");
        count += 1;
    }
    println!("{count} stores");

    // Or all at once:
    let all: Vec<StoreId> = client.list_stores().items().try_collect().await?;
    assert_eq!(all.len(), count, "the account changed between the two listings");
    Ok(())
}
