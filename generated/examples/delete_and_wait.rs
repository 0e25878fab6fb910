//! Delete a Memory Store and wait until it is gone.
//!
//! ```sh
//! export TWILIO_API_KEY=SK... TWILIO_API_SECRET=...   # or TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN
//! cargo run -p twilio-memory --example delete_and_wait -- mem_store_01h9krwzhcf3bdm6wdzwpvc3zj
//! ```
//!
//! Hand-written: `cargo xtask codegen` never touches this folder.

use twilio_memory::{Client, DeleteStoreError, Error, StoreId, WaitError};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = std::env::args().nth(1).ok_or("usage: delete_and_wait <storeId>")?;
    // Checked here, before any network traffic: `mem_store_` or `mem_service_` + 26 characters.
    let store: StoreId = arg.parse()?;
    let client = Client::from_env()?;

    // Sends the DELETE, then polls FetchOperation (sleeping each response's Retry-After)
    // until the operation ends; bounded by 10 minutes unless `.wait_with(..)` says otherwise.
    match client.delete_store(&store).wait().await {
        Ok(done) => println!("{store} deleted (operation {}, {:?})", done.operation_id, done.status),
        Err(WaitError::Request(Error::Service { error: DeleteStoreError::NotFound(_), .. })) => {
            println!("{store} does not exist")
        }
        Err(WaitError::Failed { operation_id, state, detail, .. }) => {
            eprintln!("operation {operation_id} ended {state}: {}", detail.unwrap_or_default());
            std::process::exit(1);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
