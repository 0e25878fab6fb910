#![allow(unsafe_code)] // the counting allocator below
//! Code generation speed: per phase in process (load, lower, emit, format) for `spec/` and every
//! spec in `tests/specs/`, a synthetic ~250 KB spec, scaling from 10 to 5,000 operations
//! (time and peak heap), and `xtask codegen` as a whole process (release binary).
//! Run: `cargo bench -p tests --bench codegen`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use generator::{PhaseTimes, Settings};

/// Counts live and peak heap bytes.
struct Counting;

static LIVE: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Counting is off while timing: contended atomics on every allocation would distort the times.
static COUNTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let now = LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed) + layout.size() as isize;
            PEAK.fetch_max(now.max(0) as usize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            if new_size > layout.size() {
                let grow = (new_size - layout.size()) as isize;
                let now = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now.max(0) as usize, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub((layout.size() - new_size) as isize, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// Median per-phase times and the peak extra heap of one run.
/// Median phase times, median and minimum total, and peak heap.
fn profile(text: &str, runs: usize) -> (PhaseTimes, Duration, Duration, usize) {
    let settings = Settings::new("bench.yaml", "bench-client");
    let mut phases = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let (files, times) = generator::generate_timed(text, &settings).unwrap_or_else(|d| panic!("{d}"));
        let total = t.elapsed();
        std::hint::black_box(files);
        phases.push((times, total));
    }
    // One more run with counting on, for the peak heap. Frees of memory allocated before
    // counting started could make LIVE negative, so peaks are clamped at zero.
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let files = generator::generate(text, &settings);
    COUNTING.store(false, Ordering::Relaxed);
    drop(files);
    let peak = PEAK.load(Ordering::Relaxed);
    let pick = |f: fn(&PhaseTimes) -> Duration| median(phases.iter().map(|(t, _)| f(t)).collect());
    let times = PhaseTimes {
        load: pick(|t| t.load),
        lower: pick(|t| t.lower),
        emit: pick(|t| t.emit),
        format: pick(|t| t.format),
    };
    let min = phases.iter().map(|p| p.1).min().unwrap_or_default();
    (times, median(phases.iter().map(|p| p.1).collect()), min, peak)
}

fn root() -> PathBuf {
    tests::root()
}

fn xtask_binary() -> PathBuf {
    let bin = root().join("target/release/xtask");
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--release", "-p", "xtask"])
        .current_dir(root())
        .status()
        .expect("cargo runs");
    assert!(status.success());
    bin
}

/// Median and minimum wall time.
fn whole_process(bin: &Path, spec: &Path, runs: usize) -> (Duration, Duration) {
    let out = std::env::temp_dir().join(format!("codegen-bench-{}", std::process::id()));
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let st = std::process::Command::new(bin)
            .args(["codegen", "--spec"])
            .arg(spec)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        times.push(t.elapsed());
        assert!(st.success());
    }
    let _ = std::fs::remove_dir_all(&out);
    let min = times.iter().min().copied().unwrap_or_default();
    (median(times), min)
}

fn main() {
    let mut specs: Vec<(String, PathBuf)> = vec![
        ("seed_delete_store.yaml".into(), root().join("tests/fixtures/seed_delete_store.yaml")),
        ("spec/twilio_memory_v1.json".into(), root().join("spec/twilio_memory_v1.json")),
    ];
    if let Ok(dir) = std::fs::read_dir(root().join("tests/specs")) {
        let mut shared: Vec<PathBuf> = dir
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
            .collect();
        shared.sort();
        specs.extend(
            shared.into_iter().map(|p| (format!("tests/specs/{}", p.file_name().unwrap().to_string_lossy()), p)),
        );
    }
    let synth250 = {
        // Grow the synthetic spec to about 250 KB.
        let mut n = 100;
        while tests::synthetic_spec(n).len() < 250_000 {
            n += 25;
        }
        n
    };
    let synth_path = std::env::temp_dir().join(format!("synthetic-{synth250}.json"));
    std::fs::write(&synth_path, tests::synthetic_spec(synth250)).unwrap();
    specs.push((format!("synthetic, {synth250} operations"), synth_path.clone()));

    println!("## In process, per phase (median of 21 runs, ms)\n");
    println!("| spec | size (KB) | load | lower | emit | format | total | total, best run | peak heap (MB) |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, path) in &specs {
        let text = std::fs::read_to_string(path).unwrap();
        let (t, total, best, peak) = profile(&text, 21);
        println!(
            "| {name} | {:.0} | {} | {} | {} | {} | {} | {} | {:.1} |",
            text.len() as f64 / 1024.0,
            ms(t.load),
            ms(t.lower),
            ms(t.emit),
            ms(t.format),
            ms(total),
            ms(best),
            peak as f64 / 1e6
        );
    }

    println!("\n## Scaling (median of 5 runs)\n");
    println!("| operations | size (KB) | load | lower | emit | format | total (ms) | ms per operation | peak heap (MB) | KB heap per operation |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for n in [10, 100, 1_000, 5_000] {
        let text = tests::synthetic_spec(n);
        let (t, total, _, peak) = profile(&text, if n >= 1000 { 3 } else { 5 });
        println!(
            "| {n} | {:.0} | {} | {} | {} | {} | {} | {:.3} | {:.1} | {:.1} |",
            text.len() as f64 / 1024.0,
            ms(t.load),
            ms(t.lower),
            ms(t.emit),
            ms(t.format),
            ms(total),
            total.as_secs_f64() * 1e3 / n as f64,
            peak as f64 / 1e6,
            peak as f64 / 1024.0 / n as f64
        );
    }

    println!("\n## Whole process: `xtask codegen --spec … --out …` (release binary, median of 11 runs)\n");
    let bin = xtask_binary();
    println!("| spec | wall time (ms) | best run (ms) |");
    println!("| --- | ---: | ---: |");
    for (name, path) in &specs {
        let (med, best) = whole_process(&bin, path, 11);
        println!("| {name} | {} | {} |", ms(med), ms(best));
    }
    let _ = std::fs::remove_file(synth_path);
}
