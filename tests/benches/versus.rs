#![allow(unsafe_code)] // wait4: the peak RSS of one child process
//! Whole-process codegen side by side with progenitor 0.15.1 (`cargo progenitor`), in one run:
//! wall time (median), peak RSS, and — when valgrind is installed — instructions counted by
//! callgrind over the process and every child it starts (progenitor runs rustfmt).
//!
//! Run: `cargo bench -p tests --bench versus`. Progenitor is optional: install it with
//! `cargo install cargo-progenitor --version 0.15.1 --locked`; without it the table has our
//! columns only and says so. `VERSUS_MAX_OPS` caps the scaling series (default 16000);
//! `VERSUS_PROGENITOR_MAX_OPS` caps progenitor's part of it (default: the same). The scaling
//! series is also drawn, codegen time and peak RSS against operations on log-log axes, into
//! `tests/benches/scaling.svg` (embedded in BENCHMARKS.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One whole-process run: wall time and peak resident set (KiB), from `wait4`.
fn run_once(cmd: &mut Command) -> (Duration, u64) {
    let t = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("the generator starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data, zero is a valid value; `pid` is our child, not yet waited for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = t.elapsed();
    assert_eq!(r, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{cmd:?} failed");
    std::mem::forget(child); // already reaped
    (wall, usage.ru_maxrss as u64)
}

/// Wall time (median) and peak RSS of `runs` runs of `a` and of `b` (when given), the two
/// interleaved, the order alternating each round, so a slow spell of the machine falls on both.
fn measure_pair(
    a: &dyn Fn() -> Command,
    b: Option<&dyn Fn() -> Command>,
    runs: usize,
) -> ((Duration, u64), Option<(Duration, u64)>) {
    let (mut wa, mut wb, mut ra, mut rb) = (Vec::new(), Vec::new(), 0, 0);
    for round in 0..runs {
        let mut one = |first: bool| {
            if first {
                let (w, r) = run_once(&mut a());
                wa.push(w);
                ra = ra.max(r);
            } else if let Some(b) = b {
                let (w, r) = run_once(&mut b());
                wb.push(w);
                rb = rb.max(r);
            }
        };
        one(round % 2 == 0);
        one(round % 2 != 0);
    }
    wa.sort();
    wb.sort();
    ((wa[wa.len() / 2], ra), b.map(|_| (wb[wb.len() / 2], rb)))
}

/// Instructions of the process and its children, or `None` without valgrind.
fn instructions(make: &dyn Fn() -> Command) -> Option<u64> {
    let dir = std::env::temp_dir().join(format!("versus-cg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let inner = make();
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg("--trace-children=yes")
        .arg(format!("--log-file={}/log.%p", dir.display()))
        .arg(format!("--callgrind-out-file={}/out.%p", dir.display()))
        .arg(inner.get_program())
        .args(inner.get_args());
    let ok = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().ok()?.success();
    let mut total = 0u64;
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        if !entry.file_name().to_string_lossy().starts_with("log.") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            if let Some(n) = line.split("Collected :").nth(1) {
                total += n.trim().replace(',', "").parse::<u64>().unwrap_or(0);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    (ok && total > 0).then_some(total)
}

fn build_apigen(root: &Path) -> PathBuf {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--release", "-p", "apigen"])
        .current_dir(root)
        .status()
        .expect("cargo runs");
    assert!(status.success());
    root.join("target/release/apigen")
}

fn progenitor() -> Option<PathBuf> {
    let out = Command::new("cargo-progenitor").arg("progenitor").arg("--help").output().ok()?;
    out.status.success().then(|| PathBuf::from("cargo-progenitor"))
}

fn ours(bin: &Path, spec: &Path, out: &Path) -> Command {
    let mut c = Command::new(bin);
    c.arg(spec).arg("--out").arg(out).arg("--name").arg("bench-client");
    c
}

fn theirs(bin: &Path, spec: &Path, out: &Path) -> Command {
    let mut c = Command::new(bin);
    c.arg("progenitor").arg("-i").arg(spec).arg("-o").arg(out).args(["-n", "bench-client", "-v", "0.1.0"]);
    c
}

fn two_megabytes_200_operations() -> String {
    let mut doc: serde_json::Value = serde_json::from_str(&tests::synthetic_spec(200)).unwrap();
    let sentence = "This operation updates the thing and returns it; see the guide for the fields it accepts, \
                    the limits that apply, and how errors are reported. ";
    let paths = doc["paths"].as_object_mut().unwrap();
    let per_op = (2_000_000 - 420_000) / paths.len();
    for item in paths.values_mut() {
        let text: String = sentence.repeat(per_op / sentence.len() + 1);
        item["put"]["description"] = serde_json::Value::String(text);
    }
    serde_json::to_string_pretty(&doc).unwrap()
}

fn mb(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn main() {
    let root = tests::root();
    let bin = build_apigen(&root);
    let prog = progenitor();
    let tmp = std::env::temp_dir().join(format!("versus-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (out_a, out_b) = (tmp.join("ours"), tmp.join("progenitor"));
    let (out_a, out_b) = (&out_a, &out_b);
    if prog.is_none() {
        println!(
            "progenitor not installed (`cargo install cargo-progenitor --version 0.15.1 --locked`): our columns only\n"
        );
    }

    println!("## Whole process, this project vs progenitor 0.15.1 (median of 7 runs, the two interleaved)\n");
    println!("| spec | ours (ms) | progenitor (ms) | ratio | ours, instructions (M) | progenitor, instructions (M) | ratio | ours, peak RSS (MB) | progenitor, peak RSS (MB) |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let specs = [
        ("delete_store only", root.join("tests/fixtures/seed_delete_store.yaml")),
        ("published Memory spec (spec/)", root.join("spec/twilio_memory_v1.json")),
    ];
    for (name, spec) in &specs {
        let a = || ours(&bin, spec, out_a);
        let b = prog.as_ref().map(|p| move || theirs(p, spec, out_b));
        let ((wa, ra), wrb) = measure_pair(&a, b.as_ref().map(|b| b as &dyn Fn() -> Command), 7);
        let ia = instructions(&a);
        let ib = b.as_ref().and_then(|b| instructions(b));
        let (wb, rb) = (wrb.map(|x| x.0), wrb.map(|x| x.1));
        let cell = |v: Option<String>| v.unwrap_or_else(|| "–".into());
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
            ms(wa),
            cell(wb.map(ms)),
            cell(wb.map(|b| format!("{:.1}×", b.as_secs_f64() / wa.as_secs_f64()))),
            cell(ia.map(|i| format!("{:.0}", i as f64 / 1e6))),
            cell(ib.map(|i| format!("{:.0}", i as f64 / 1e6))),
            cell(ia.zip(ib).map(|(a, b)| format!("{:.1}×", b as f64 / a as f64))),
            mb(ra),
            cell(rb.map(mb)),
        );
    }

    // A 2 MB spec with 200 operations: the synthetic spec with long operation descriptions
    // (real specs of that size carry their bulk in prose and examples).
    let text = two_megabytes_200_operations();
    let spec = tmp.join("two-mb.json");
    std::fs::write(&spec, &text).unwrap();
    let spec = &spec;
    let b = prog.as_ref().map(|p| move || theirs(p, spec, out_b));
    let ((wa, ra), b) = measure_pair(&|| ours(&bin, spec, out_a), b.as_ref().map(|b| b as &dyn Fn() -> Command), 5);
    println!(
        "\n2 MB spec ({:.2} MB, 200 operations), whole process, median of 5 (interleaved): ours {} ms ({} MB peak RSS); progenitor {}\n",
        text.len() as f64 / 1e6,
        ms(wa),
        mb(ra),
        b.map(|b| format!("{} ms ({} MB)", ms(b.0), mb(b.1))).unwrap_or_else(|| "not installed".into()),
    );

    let max_ops: usize = std::env::var("VERSUS_MAX_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(16_000);
    let prog_max: usize =
        std::env::var("VERSUS_PROGENITOR_MAX_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(max_ops);
    println!("\n## Scaling: synthetic specs, whole process (median of 3 runs; 1 above 1,000 operations)\n");
    println!(
        "| operations | spec (MB) | ours (ms) | ours, peak RSS (MB) | progenitor (ms) | progenitor, peak RSS (MB) | time ratio |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut series = Vec::new();
    for n in [10usize, 100, 200, 1_000, 5_000, 16_000].into_iter().filter(|&n| n <= max_ops) {
        let text = tests::synthetic_spec(n);
        let spec = tmp.join(format!("synthetic-{n}.json"));
        std::fs::write(&spec, &text).unwrap();
        let runs = if n > 1_000 { 1 } else { 3 };
        let spec = &spec;
        let b = prog.as_ref().filter(|_| n <= prog_max).map(|p| move || theirs(p, spec, out_b));
        let ((wa, ra), b) =
            measure_pair(&|| ours(&bin, spec, out_a), b.as_ref().map(|b| b as &dyn Fn() -> Command), runs);
        println!(
            "| {n} | {:.1} | {} | {} | {} | {} | {} |",
            text.len() as f64 / 1e6,
            ms(wa),
            mb(ra),
            b.map(|b| ms(b.0)).unwrap_or_else(|| "–".into()),
            b.map(|b| mb(b.1)).unwrap_or_else(|| "–".into()),
            b.map(|b| format!("{:.1}×", b.0.as_secs_f64() / wa.as_secs_f64())).unwrap_or_else(|| "–".into()),
        );
        series.push(Point { ops: n, ours: (wa, ra), theirs: b });
    }
    let _ = std::fs::remove_dir_all(&tmp);
    if series.len() >= 2 {
        let svg = root.join("tests/benches/scaling.svg");
        std::fs::write(&svg, plot(&series)).unwrap();
        println!("\nPlot written to {}", svg.display());
    }
}

/// One size of the scaling series: wall time and peak RSS (KiB) of each generator.
struct Point {
    ops: usize,
    ours: (Duration, u64),
    theirs: Option<(Duration, u64)>,
}

/// Two log-log panels (codegen time, peak RSS) against operations, as a standalone SVG.
fn plot(series: &[Point]) -> String {
    use std::fmt::Write;
    const W: f64 = 420.0;
    const H: f64 = 300.0;
    const PAD: (f64, f64, f64, f64) = (62.0, 34.0, 34.0, 44.0); // left, right, top, bottom
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        2.0 * W
    );
    type Metric = fn(&(Duration, u64)) -> f64;
    let panels: [(&str, Metric); 2] =
        [("codegen, whole process (ms)", |m| m.0.as_secs_f64() * 1e3), ("peak RSS (MB)", |m| m.1 as f64 / 1024.0)];
    let (x_lo, x_hi) = (series[0].ops as f64, series[series.len() - 1].ops as f64);
    for (p, (title, value)) in panels.iter().enumerate() {
        let ox = p as f64 * W;
        let values: Vec<f64> =
            series.iter().flat_map(|s| std::iter::once(value(&s.ours)).chain(s.theirs.as_ref().map(value))).collect();
        let lo = 10f64.powf(values.iter().cloned().fold(f64::MAX, f64::min).log10().floor());
        let hi = 10f64.powf(values.iter().cloned().fold(f64::MIN, f64::max).log10().ceil());
        let x = |v: f64| ox + PAD.0 + (v.log10() - x_lo.log10()) / (x_hi.log10() - x_lo.log10()) * (W - PAD.0 - PAD.1);
        let y = |v: f64| H - PAD.3 - (v.log10() - lo.log10()) / (hi.log10() - lo.log10()) * (H - PAD.2 - PAD.3);
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"20\" text-anchor=\"middle\" font-size=\"13\">{title}</text>",
            ox + W / 2.0
        );
        // Decade grid lines and labels.
        let mut d = lo;
        while d <= hi * 1.0001 {
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{d}</text>",
                x(x_lo),
                x(x_hi),
                y(d),
                y(d),
                x(x_lo) - 4.0,
                y(d) + 4.0
            );
            d *= 10.0;
        }
        for s in series {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x(s.ops as f64),
                H - PAD.3 + 14.0,
                s.ops
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">operations in the spec</text>",
            ox + PAD.0 + (W - PAD.0 - PAD.1) / 2.0,
            H - 8.0
        );
        let line = |out: &mut String, points: Vec<(f64, f64)>, color: &str| {
            let path: Vec<String> = points.iter().map(|(a, b)| format!("{:.1},{:.1}", x(*a), y(*b))).collect();
            let _ = writeln!(
                out,
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
                path.join(" ")
            );
            for (a, b) in points {
                let _ = writeln!(out, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"/>", x(a), y(b));
            }
        };
        line(&mut out, series.iter().map(|s| (s.ops as f64, value(&s.ours))).collect(), "#1f77b4");
        line(
            &mut out,
            series.iter().filter_map(|s| s.theirs.as_ref().map(|t| (s.ops as f64, value(t)))).collect(),
            "#ff7f0e",
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"46\" fill=\"#1f77b4\">this project</text><text x=\"{:.1}\" y=\"60\" fill=\"#ff7f0e\">progenitor 0.15.1</text>",
            ox + PAD.0 + 8.0,
            ox + PAD.0 + 8.0
        );
    }
    out.push_str("</svg>\n");
    out
}
