//! Create a profile in a Memory Store, then record an observation about it.
//!
//! ```sh
//! export TWILIO_API_KEY=SK... TWILIO_API_SECRET=...   # or TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN
//! cargo run -p twilio-memory --example create_profile_then_observation -- mem_store_01h9krwzhcf3bdm6wdzwpvc3zj
//! ```
//!
//! Hand-written: `cargo xtask codegen` never touches this folder.

use std::collections::BTreeMap;

use twilio_memory::{
    Client, CreateObservationsRequest, CreateProfileObservationResponse, ObservationCreateRequest, ProfileData, StoreId,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = std::env::args().nth(1).ok_or("usage: create_profile_then_observation <storeId>")?;
    let store: StoreId = arg.parse()?;
    let client = Client::from_env()?;

    // Traits are grouped: { "Contact": { "email": "…" } }.
    let contact = BTreeMap::from([("email".to_owned(), serde_json::json!("ada@example.com"))]);
    let profile = ProfileData::new().with_traits(BTreeMap::from([("Contact".to_owned(), contact)]));
    let created = client.create_profile(&store, profile).await?;
    let profile_id = created.body.id; // a `ProfileId`, the type the profile calls take
    println!("profile {profile_id}: {}", created.body.message);

    let observation = ObservationCreateRequest::new(
        "Prefers e-mail over phone calls.".to_owned(),
        time::OffsetDateTime::now_utc(),
        "example-app".parse()?, // an `ObservationSource`, validated against the spec's pattern
    );
    let batch = CreateObservationsRequest::new(vec![observation]);
    match client.create_profile_observation(&store, &profile_id, batch).await? {
        CreateProfileObservationResponse::Accepted(r) => println!("observation accepted: {:?}", r.body),
        // A merged profile answers 308 to another store origin; same-origin redirects are
        // followed by the client, so this is one it would not follow.
        CreateProfileObservationResponse::PermanentRedirect(r) => {
            println!("profile moved: {:?}", r.headers)
        }
        other => println!("{other:?}"),
    }
    Ok(())
}
