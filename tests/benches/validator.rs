//! ns per call of the compiled `StoreId` validator against `regex`, `regress` and a
//! hand-written byte check, on valid and invalid inputs: wall time (the best of five rounds that
//! alternate the implementations, each round a median of 31 batches) and, with valgrind
//! installed, instructions per call (callgrind, a difference of two call counts in a child
//! process, so start-up cancels out; these repeat exactly where wall time drifts).
//! Run: `cargo bench -p tests --bench validator`.

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

const INPUTS: [(&str, &str); 5] = [
    ("valid store", "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj"),
    ("valid service", "mem_service_7zzzzzzzzzzzzzzzzzzzzzzzzz"),
    ("invalid first byte", "xem_store_01h9krwzhcf3bdm6wdzwpvc3zj"),
    ("invalid last byte", "mem_store_01h9krwzhcf3bdm6wdzwpvc3zJ"),
    ("too long", "mem_store_01h9krwzhcf3bdm6wdzwpvc3zjx"),
];

/// The implementations, in table order: generated, hand-written (two), regex, regress.
const IMPLS: usize = 5;

struct Checkers {
    regex: regex::Regex,
    regress: regress::Regex,
}

impl Checkers {
    fn new() -> Self {
        Checkers {
            regex: regex::Regex::new(StoreId::PATTERN).unwrap(),
            regress: regress::Regex::with_flags(StoreId::PATTERN, "u").unwrap(),
        }
    }

    /// Implementation `k` on `s`.
    #[inline(always)]
    fn run(&self, k: usize, s: &str) -> bool {
        match k {
            // The whole result is handed to `black_box`, so an error is built, not optimized
            // away for want of a reader.
            0 => black_box(StoreId::validate(black_box(s))).is_ok(),
            1 => hand_written(black_box(s)),
            2 => hand_written_all(black_box(s)),
            3 => self.regex.is_match(black_box(s)),
            _ => self.regress.find(black_box(s)).is_some(),
        }
    }
}

/// `f(k, s)` with `k` a constant in each arm, so every implementation gets its own loop, with
/// no dispatch on `k` inside it (`run` is inlined and its `match` folds away).
macro_rules! per_impl {
    ($k:expr, |$kk:ident| $body:expr) => {
        match $k {
            0 => {
                const $kk: usize = 0;
                $body
            }
            1 => {
                const $kk: usize = 1;
                $body
            }
            2 => {
                const $kk: usize = 2;
                $body
            }
            3 => {
                const $kk: usize = 3;
                $body
            }
            _ => {
                const $kk: usize = 4;
                $body
            }
        }
    };
}

/// Child mode for callgrind: `n` calls of implementation `k` on input `i`.
fn calls(spec: &str) {
    let v: Vec<usize> = spec.split(':').map(|x| x.parse().expect("k:i:n")).collect();
    let c = Checkers::new();
    let s = INPUTS[v[1]].1;
    per_impl!(v[0], |K| {
        for _ in 0..v[2] {
            black_box(c.run(K, s));
        }
    })
}

/// Instructions callgrind counts for `n` calls of implementation `k` on input `i` in a child
/// process, or `None` without valgrind.
fn instructions(k: usize, i: usize, n: usize) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = std::env::temp_dir().join(format!("validator-cg-{}-{k}-{i}-{n}", std::process::id()));
    let status = std::process::Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .env("VALIDATOR_BENCH_CALLS", format!("{k}:{i}:{n}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&out);
    let log = String::from_utf8_lossy(&status.stderr);
    let total = log.lines().find_map(|l| l.split("Collected :").nth(1))?.trim().replace(',', "").parse().ok()?;
    status.status.success().then_some(total)
}

fn main() {
    if let Ok(spec) = std::env::var("VALIDATOR_BENCH_CALLS") {
        calls(&spec);
        return;
    }
    let c = Checkers::new();
    for (_, s) in INPUTS {
        let expected = hand_written(s);
        for k in 0..IMPLS {
            assert_eq!(c.run(k, s), expected, "implementation {k} on {s}");
        }
    }
    // Best of five rounds; each round measures every implementation on every input in turn.
    let mut best = [[f64::MAX; IMPLS]; INPUTS.len()];
    for _ in 0..5 {
        for (i, (_, s)) in INPUTS.iter().enumerate() {
            for (k, cell) in best[i].iter_mut().enumerate() {
                *cell = cell.min(per_impl!(k, |K| measure(|| c.run(K, s))));
            }
        }
    }
    println!("| input | generated (ns) | hand-written, branch-free (ns) | hand-written, `all` (ns) | regex (ns) | regress (ns) | regex / generated | generated / hand-written |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (i, (name, _)) in INPUTS.iter().enumerate() {
        let [g, h, h2, r, q] = best[i];
        println!("| {name} | {g:.1} | {h:.1} | {h2:.1} | {r:.1} | {q:.1} | {:.1}x | {:.2}x |", r / g, g / h.min(h2));
    }
    // Instructions per call, loop included: (I(n2) - I(n1)) / (n2 - n1).
    let (n1, n2) = (1_000, 11_000);
    let per_call = |k: usize, i: usize| -> Option<f64> {
        Some((instructions(k, i, n2)? - instructions(k, i, n1)?) as f64 / (n2 - n1) as f64)
    };
    if per_call(0, 0).is_none() {
        println!("\n(valgrind not installed: no instruction counts)");
        return;
    }
    println!("\nInstructions per call (callgrind, the benchmark loop included):\n");
    println!("| input | generated | hand-written, branch-free | hand-written, `all` | regex | regress | regex / generated | generated / hand-written |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (i, (name, _)) in INPUTS.iter().enumerate() {
        let v: Vec<f64> = (0..IMPLS).map(|k| per_call(k, i).unwrap_or(f64::NAN)).collect();
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1}x | {:.2}x |",
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[3] / v[0],
            v[0] / v[1].min(v[2])
        );
    }
}
