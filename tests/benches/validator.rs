//! ns per call of the compiled `StoreId` validator against `regex`, `regress` and a
//! hand-written byte check, on valid and invalid inputs. Run: `cargo bench -p tests --bench validator`.

use std::hint::black_box;
use std::time::Instant;

use twilio_memory::StoreId;

/// What a careful engineer would write by hand for `^mem_(store|service)_[0-7][0-9a-z]{25}$`,
/// using a branch-free check over the 25-character tail (the fastest variant we found).
fn hand_written(s: &str) -> bool {
    let Some(rest) = strip_prefix(s) else { return false };
    rest.len() == 26
        && (b'0'..=b'7').contains(&rest[0])
        && rest[1..].iter().fold(true, |ok, c| ok & (c.is_ascii_digit() | c.is_ascii_lowercase()))
}

/// The same with the idiomatic short-circuiting `all`.
fn hand_written_all(s: &str) -> bool {
    let Some(rest) = strip_prefix(s) else { return false };
    rest.len() == 26
        && (b'0'..=b'7').contains(&rest[0])
        && rest[1..].iter().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
}

fn strip_prefix(s: &str) -> Option<&[u8]> {
    let b = s.as_bytes();
    b.strip_prefix(b"mem_store_").or_else(|| b.strip_prefix(b"mem_service_"))
}

/// Median ns per call over `samples` batches, each long enough to be timed reliably.
fn measure(mut f: impl FnMut() -> bool) -> f64 {
    // Calibrate: iterations for ~2 ms per batch.
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(f());
        }
        if t.elapsed().as_micros() > 2_000 {
            break;
        }
        iters *= 2;
    }
    let mut samples: Vec<f64> = (0..31)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(f());
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

fn main() {
    let regex = regex::Regex::new(StoreId::PATTERN).unwrap();
    let regress = regress::Regex::with_flags(StoreId::PATTERN, "u").unwrap();
    let inputs = [
        ("valid store", "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj"),
        ("valid service", "mem_service_7zzzzzzzzzzzzzzzzzzzzzzzzz"),
        ("invalid first byte", "xem_store_01h9krwzhcf3bdm6wdzwpvc3zj"),
        ("invalid last byte", "mem_store_01h9krwzhcf3bdm6wdzwpvc3zJ"),
        ("too long", "mem_store_01h9krwzhcf3bdm6wdzwpvc3zjx"),
    ];
    for (_, s) in inputs {
        let expected = hand_written(s);
        assert_eq!(StoreId::validate(s).is_ok(), expected, "{s}");
        assert_eq!(regex.is_match(s), expected, "{s}");
        assert_eq!(hand_written_all(s), expected, "{s}");
        assert_eq!(regress.find(s).is_some(), expected, "{s}");
    }
    println!("| input | generated (ns) | hand-written, branch-free (ns) | hand-written, `all` (ns) | regex (ns) | regress (ns) | regex / generated | generated / hand-written |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, s) in inputs {
        let g = measure(|| StoreId::validate(black_box(s)).is_ok());
        let h = measure(|| hand_written(black_box(s)));
        let h2 = measure(|| hand_written_all(black_box(s)));
        let r = measure(|| regex.is_match(black_box(s)));
        let q = measure(|| regress.find(black_box(s)).is_some());
        println!("| {name} | {g:.1} | {h:.1} | {h2:.1} | {r:.1} | {q:.1} | {:.1}x | {:.2}x |", r / g, g / h);
    }
}
