//! The generated `StoreId` accepts exactly what an ECMA-262 engine (`regress`) accepts for the
//! spec's pattern: valid IDs, every single-byte mutation, truncations, extensions and
//! non-ASCII input. Inputs come from a seeded generator, so failures reproduce.

use tests::Rng;
use twilio_memory::StoreId;

const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn valid_id(rng: &mut Rng) -> String {
    let mut s = String::from(rng.pick(&["mem_store_", "mem_service_"]));
    s.push(rng.pick(b"01234567") as char);
    for _ in 0..25 {
        s.push(rng.pick(ALNUM) as char);
    }
    s
}

struct Oracle {
    regex: regress::Regex,
    checked: usize,
    accepted: usize,
}

impl Oracle {
    fn new() -> Self {
        Oracle {
            regex: regress::Regex::with_flags(StoreId::PATTERN, "u").expect("pattern is valid ECMA-262"),
            checked: 0,
            accepted: 0,
        }
    }

    fn check(&mut self, input: &str) {
        let expected = self.regex.find(input).is_some();
        let actual = StoreId::validate(input);
        assert_eq!(actual.is_ok(), expected, "disagreement on {input:?}: generated {actual:?}, regress {expected}");
        if let Err(e) = &actual {
            let offset = e.offset().expect("pattern errors carry an offset");
            assert!(offset <= input.len(), "offset {offset} past the end of {input:?}");
        }
        self.checked += 1;
        self.accepted += usize::from(expected);
    }
}

#[test]
fn generated_validator_agrees_with_regress() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut oracle = Oracle::new();
    let non_ascii = ["é", "ß", "ｍ", "😀", "\u{0}", "\u{2028}", "\u{FEFF}"];
    let mut seeds =
        vec!["mem_store_00000000000000000000000000".to_owned(), "mem_service_7zzzzzzzzzzzzzzzzzzzzzzzzz".to_owned()];
    for _ in 0..40 {
        seeds.push(valid_id(&mut rng));
    }
    for id in &seeds {
        oracle.check(id);
        let bytes = id.as_bytes();
        // Every single-byte mutation to every ASCII byte.
        for pos in 0..bytes.len() {
            for b in 0u8..=127 {
                let mut m = bytes.to_vec();
                m[pos] = b;
                oracle.check(std::str::from_utf8(&m).expect("ASCII"));
            }
            // ...and to non-ASCII characters.
            for na in non_ascii {
                let mut m = id[..pos].to_owned();
                m.push_str(na);
                m.push_str(&id[pos + 1..]);
                oracle.check(&m);
            }
        }
        // Truncations and extensions.
        for len in 0..bytes.len() {
            oracle.check(&id[..len]);
        }
        for b in 0u8..=127 {
            let mut m = id.clone();
            m.push(b as char);
            oracle.check(&m);
            let mut m = (b as char).to_string();
            m.push_str(id);
            oracle.check(&m);
        }
        for na in non_ascii {
            oracle.check(&format!("{id}{na}"));
            oracle.check(&format!("{na}{id}"));
        }
        oracle.check(&format!("{id}\n"));
    }
    // Random strings over the pattern's alphabet and beyond.
    let alphabet: Vec<char> = "mem_storevic0123456789abcdefghijklmnopqrstuvwxyz_-ZÉ😀\n".chars().collect();
    for _ in 0..20_000 {
        let len = (rng.next_u64() % 44) as usize;
        let s: String = (0..len).map(|_| rng.pick(&alphabet)).collect();
        oracle.check(&s);
    }
    assert!(oracle.checked > 100_000, "checked {} inputs", oracle.checked);
    assert!(oracle.accepted >= seeds.len(), "accepted only {}", oracle.accepted);
}

#[test]
fn parse_from_crate_root_and_error_messages() {
    let id: StoreId = "mem_store_00000000000000000000000000".parse().unwrap();
    assert_eq!(id.as_str(), "mem_store_00000000000000000000000000");
    assert_eq!(id.to_string(), id.as_ref() as &str);
    let id2 = StoreId::try_from(String::from("mem_service_12345678901234567890abcdef")).unwrap();
    assert_eq!(id2.clone().into_inner(), "mem_service_12345678901234567890abcdef");

    let e = "mem_store_8".parse::<StoreId>().unwrap_err();
    assert_eq!(e.offset(), Some(10));
    assert_eq!(e.to_string(), "invalid StoreId: expected a character in [0-7] at byte offset 10");
    let e = "mem_stone_0".parse::<StoreId>().unwrap_err();
    assert_eq!((e.offset(), e.expected()), (Some(7), "`r`"));
    let e = "mem_store_00000000000000000000000000x".parse::<StoreId>().unwrap_err();
    assert_eq!((e.offset(), e.expected()), (Some(36), "end of input"));
    let e = "mem_store_0000".parse::<StoreId>().unwrap_err();
    assert_eq!((e.offset(), e.expected()), (Some(14), "a character in [0-9a-z]"));

    // Serde: serializes as a plain string, and deserializing validates.
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"mem_store_00000000000000000000000000\"");
    assert!(serde_json::from_str::<StoreId>("\"mem_store_00000000000000000000000000\"").is_ok());
    let err = serde_json::from_str::<StoreId>("\"mem_shop_00000000000000000000000000\"").unwrap_err();
    assert!(err.to_string().contains("invalid StoreId"), "{err}");
}

/// `validate` returns an error that borrows the value and works out where it goes wrong only
/// when read; it says what the owned error says, hides the value, and converts with `?`.
#[test]
#[allow(clippy::result_large_err)] // the error type of every call
fn validate_answers_when_asked() {
    use twilio_memory::{DeleteStoreError, Error, InvalidValue, ValidationError};
    let z = "0".repeat(26);
    let cases = [
        (format!("xem_store_{z}"), 0, "`m`"),
        (format!("mem_service_{z}0"), 38, "end of input"),
        (format!("mem_store_{z}x"), 36, "end of input"),
        (format!("mem_store_{}A", &z[1..]), 35, "a character in [0-9a-z]"),
        (format!("mem_stone_{z}"), 7, "`r`"),
        ("mem_store_0000".to_owned(), 14, "a character in [0-9a-z]"),
        (String::new(), 0, "`m`"),
    ];
    for (input, offset, expected) in &cases {
        let (input, offset, expected) = (input.as_str(), *offset, *expected);
        let lazy: InvalidValue<'_> = StoreId::validate(input).unwrap_err();
        assert_eq!(
            (lazy.type_name(), lazy.offset(), lazy.expected()),
            ("StoreId", Some(offset), expected),
            "{input:?}"
        );
        let shown = format!("invalid StoreId: expected {expected} at byte offset {offset}");
        assert_eq!(lazy.to_string(), shown);
        let owned = ValidationError::from(lazy);
        assert_eq!((owned.offset(), owned.expected(), owned.to_string()), (Some(offset), expected, shown.clone()));
        assert_eq!(input.parse::<StoreId>().unwrap_err(), owned);
        let debug = format!("{lazy:?}");
        assert_eq!(debug, format!("{owned:?}"));
        assert!(input.is_empty() || !debug.contains(input), "{debug}");
        let call = || -> Result<(), Error<DeleteStoreError>> {
            StoreId::validate(input)?;
            Ok(())
        };
        assert!(matches!(call(), Err(Error::InvalidRequest { source }) if source == owned));
    }
    // Length limits say so, with no offset, before the pattern is looked at.
    use twilio_memory::{AcceptEncoding, DataMappingName};
    let long = "a".repeat(201);
    let limits = [
        (AcceptEncoding::validate(&long), "AcceptEncoding", "at most 200 characters"),
        (DataMappingName::validate(""), "DataMappingName", "at least 1 character"),
        (DataMappingName::validate(&long[..65]), "DataMappingName", "at most 64 characters"),
    ];
    for (got, type_name, expected) in limits {
        let e = got.unwrap_err();
        assert_eq!((e.type_name(), e.offset(), e.expected()), (type_name, None, expected));
        assert_eq!(e.to_string(), format!("invalid {type_name}: {expected}"));
        assert_eq!(ValidationError::from(e).to_string(), e.to_string());
    }
    // The value and a pointer to the static that says why: returned in three words.
    assert_eq!(std::mem::size_of::<Result<(), InvalidValue<'_>>>(), 3 * std::mem::size_of::<usize>());
}
