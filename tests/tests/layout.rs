//! The generator's size model (used to box large enum variants) matches the real layout of the
//! types it assumes.

use twilio_memory::header::HeaderMap;

#[test]
fn header_map_size_matches_the_generator() {
    assert_eq!(std::mem::size_of::<HeaderMap>() as u64, generator::lower::HEADER_MAP_SIZE);
}
