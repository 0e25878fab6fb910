//! Client overhead: requests per second of `delete_store` against a local HTTP server versus
//! plain reqwest sending the identical request (same headers, same connection pool, same JSON
//! decoding). One caller: the paths interleaved on one task in runs of 100 calls in random
//! order, every call timed (and, apart, raw reqwest and the client alternating call by call);
//! 64 callers: 25 short rounds that see nearly the same machine, each ratio the median of the
//! per-round ratios.
//! Diagnostics: `CLIENT_BENCH_MIX=path,path,...:calls` (with `CLIENT_BENCH_RUN=n` calls per
//! turn) interleaves any paths at one caller; `CLIENT_BENCH_ONLY=path:callers:seconds` runs one
//! alone (for `perf` or `strace`). Paths: raw, raw-timeout, generated, and the diagnostic
//! generated-untimed, generated-send, raw-joined.
//! With valgrind installed it also counts instructions per call, client and server together, for
//! each path (callgrind, a difference of two call counts so start-up cancels out): the
//! instruction ratio repeats exactly where wall time drifts.
//! Run: `cargo bench -p tests --bench client`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twilio_memory::{credentials, Client, DeleteStoreAcceptedBody, RetryConfig, TimeoutConfig};

const ID: &str = "mem_store_01h9krwzhcf3bdm6wdzwpvc3zj";
const BODY: &str = "{\"message\":\"Deletion accepted.\",\"statusUrl\":\"https://memory.twilio.com/v1/ops/1\"}";

/// A minimal keep-alive HTTP/1.1 server that answers every request with the same 202.
async fn serve(listener: tokio::net::TcpListener) {
    let response = format!(
        "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\noperation-id: op_1\r\nlocation: https://memory.twilio.com/v1/ops/1\r\nretry-after: 5\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let response: &'static [u8] = Box::leak(response.into_bytes().into_boxed_slice());
    loop {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        sock.set_nodelay(true).ok();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            let mut filled = 0;
            loop {
                // Answer each complete request head (DELETE has no body).
                while let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                    if sock.write_all(response).await.is_err() {
                        return;
                    }
                    buf.copy_within(end + 4..filled, 0);
                    filled -= end + 4;
                }
                match sock.read(&mut buf[filled..]).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => filled += n,
                }
            }
        });
    }
}

async fn run_for(concurrency: usize, dur: Duration, call: Arc<dyn Fn() -> futures_like::BoxFut + Send + Sync>) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (stop, count, call) = (stop.clone(), count.clone(), call.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                call().await;
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let start = Instant::now();
    tokio::time::sleep(dur).await;
    stop.store(true, Ordering::Relaxed);
    let n = count.load(Ordering::Relaxed);
    let elapsed = start.elapsed();
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / elapsed.as_secs_f64()
}

/// One caller: `paths` interleaved call by call on one spawned task, in a new random order
/// every step (a call runs faster after one of its own path, its code still in cache, so no
/// path may always follow the same other); returns every call's latency in seconds, per path.
async fn interleaved(paths: Vec<Call>, calls: usize, run: usize) -> Vec<Vec<f64>> {
    tokio::spawn(async move {
        let n = paths.len();
        let mut lat: Vec<Vec<f64>> = (0..n).map(|_| Vec::with_capacity(calls)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        // xorshift64, fixed seed: the same sequence of orders every run.
        let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..calls / run {
            for k in (1..n).rev() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                order.swap(k, (rng % (k as u64 + 1)) as usize);
            }
            for &p in &order {
                for _ in 0..run {
                    let t = Instant::now();
                    paths[p]().await;
                    lat[p].push(t.elapsed().as_secs_f64());
                }
            }
        }
        lat
    })
    .await
    .unwrap()
}

/// Calls per second over summed latency.
fn rate(v: &[f64]) -> f64 {
    v.len() as f64 / v.iter().sum::<f64>()
}

/// Quartiles of the per-block throughput ratios `new / base` (blocks of `block` calls).
fn block_quartiles(base: &[f64], new: &[f64], block: usize) -> (f64, f64) {
    let mut r: Vec<f64> = base.chunks(block).zip(new.chunks(block)).map(|(b, n)| rate(n) / rate(b)).collect();
    r.sort_by(|x, y| x.partial_cmp(y).unwrap());
    (r[r.len() / 4], r[3 * r.len() / 4])
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|x, y| x.partial_cmp(y).unwrap());
    v[v.len() / 2]
}

mod futures_like {
    pub type BoxFut = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;
}

/// The three request paths, against a server started on 127.0.0.1.
struct Paths {
    raw: Call,
    raw_timeout: Call,
    generated: Call,
    /// Diagnostic only: the generated client with no attempt or total timeout.
    generated_untimed: Call,
    /// Diagnostic only: the generated client's `send()` future (not boxed by `IntoFuture`).
    generated_send: Call,
    /// Diagnostic only: raw reqwest with its URL joined to a base parsed once.
    raw_joined: Call,
}

impl Paths {
    fn get(&self, name: &str) -> Call {
        match name {
            "raw" => self.raw.clone(),
            "raw-timeout" => self.raw_timeout.clone(),
            "generated-untimed" => self.generated_untimed.clone(),
            "raw-joined" => self.raw_joined.clone(),
            "generated-send" => self.generated_send.clone(),
            "generated" => self.generated.clone(),
            other => panic!("no path named {other:?}"),
        }
    }
}

type Call = Arc<dyn Fn() -> futures_like::BoxFut + Send + Sync>;

async fn setup() -> Paths {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener));
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let build = |timeouts: TimeoutConfig| {
        Client::builder()
            .base_url(&base)
            .credentials(credentials::api_key("SK0123456789abcdef", "secret"))
            .retry(RetryConfig::disabled())
            .timeouts(timeouts)
            .http_client(http.clone())
            .build()
            .unwrap()
    };
    let (client, untimed) =
        (build(TimeoutConfig::standard()), build(TimeoutConfig::standard().with_attempt(None).with_total(None)));
    let url = format!("{base}/v1/ControlPlane/Stores/{ID}");
    let auth = "Basic U0swMTIzNDU2Nzg5YWJjZGVmOnNlY3JldA==";
    let ua = format!("twilio-memory-rust/0.1.0 ({} {})", std::env::consts::OS, std::env::consts::ARCH);
    // The identical request by hand (optionally with a per-request timeout like the one the
    // generated client arms).
    let parsed_base = reqwest::Url::parse(&base).unwrap();
    let plain = |timeout: Option<Duration>, joined: bool| -> Call {
        let (http, url, ua, parsed_base) = (http.clone(), url.clone(), ua.clone(), parsed_base.clone());
        Arc::new(move || {
            let target = if joined {
                parsed_base.join(&format!("/v1/ControlPlane/Stores/{ID}")).unwrap()
            } else {
                reqwest::Url::parse(&url).unwrap()
            };
            let mut req = http
                .delete(target)
                .header("user-agent", &ua)
                .header("accept", "application/json")
                .header("authorization", auth);
            if let Some(t) = timeout {
                req = req.timeout(t);
            }
            Box::pin(async move {
                let resp = req.send().await.unwrap();
                assert_eq!(resp.status().as_u16(), 202);
                let body = resp.bytes().await.unwrap();
                let parsed: DeleteStoreAcceptedBody = serde_json::from_slice(&body).unwrap();
                std::hint::black_box(parsed);
            })
        })
    };
    let call = |client: Client, send: bool| -> Call {
        Arc::new(move || {
            let client = client.clone();
            Box::pin(async move {
                let r = if send { client.delete_store(ID).send().await } else { client.delete_store(ID).await };
                let r = r.unwrap();
                assert_eq!(r.status.as_u16(), 202);
                std::hint::black_box(r);
            })
        })
    };
    Paths {
        raw: plain(None, false),
        raw_timeout: plain(Some(Duration::from_secs(30)), false),
        raw_joined: plain(None, true),
        generated_send: call(client.clone(), true),
        generated: call(client, false),
        generated_untimed: call(untimed, false),
    }
}

/// Child mode for callgrind: `n` sequential calls of one path on a current-thread runtime.
fn calls(path: &str, n: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let paths = setup().await;
        let call = paths.get(path);
        for _ in 0..n {
            call().await;
        }
    });
}

/// Instructions callgrind counts for `n` calls of `path` in a child process, or `None` without
/// valgrind.
fn instructions(path: &str, n: usize) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = std::env::temp_dir().join(format!("client-cg-{}-{path}-{n}", std::process::id()));
    let status = std::process::Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .env("CLIENT_BENCH_CALLS", format!("{path}:{n}"))
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
    if let Ok(spec) = std::env::var("CLIENT_BENCH_CALLS") {
        let (path, n) = spec.split_once(':').expect("path:n");
        calls(path, n.parse().expect("a call count"));
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Diagnostic mode, `CLIENT_BENCH_ONLY=path:callers:seconds`: one path alone, to run under
    // `strace -f -c` or `perf` (BENCHMARKS.md section 4).
    if let Ok(spec) = std::env::var("CLIENT_BENCH_ONLY") {
        let v: Vec<&str> = spec.split(':').collect();
        rt.block_on(async {
            let call = setup().await.get(v[0]);
            let r = run_for(v[1].parse().unwrap(), Duration::from_secs(v[2].parse().unwrap()), call).await;
            println!("{spec}: {r:.0} req/s");
        });
        return;
    }
    // Diagnostic mode, `CLIENT_BENCH_MIX=path,path,...:calls`: one caller, the paths interleaved
    // call by call, each path's throughput and its ratio to the first path's.
    if let Ok(spec) = std::env::var("CLIENT_BENCH_MIX") {
        let (names, calls) = spec.split_once(':').expect("paths:calls");
        let names: Vec<&str> = names.split(',').collect();
        rt.block_on(async {
            let p = setup().await;
            let paths: Vec<Call> = names.iter().map(|n| p.get(n)).collect();
            let run = std::env::var("CLIENT_BENCH_RUN").map_or(1, |r| r.parse().expect("calls per turn"));
            interleaved(paths.clone(), 2_000, run).await;
            let lat = interleaved(paths, calls.parse().expect("a call count"), run).await;
            for (name, l) in names.iter().zip(&lat) {
                let (q1, q3) = block_quartiles(&lat[0], l, 2_000);
                println!(
                    "{name}: {:.0} req/s, {:.3} ({q1:.3}–{q3:.3}) of {}",
                    rate(l),
                    rate(l) / rate(&lat[0]),
                    names[0]
                );
            }
        });
        return;
    }
    rt.block_on(async {
        let Paths { raw, raw_timeout, generated, .. } = setup().await;
        println!("| concurrency | raw reqwest (req/s) | raw reqwest + 30 s timeout (req/s) | generated client (req/s) | generated / raw (quartiles) | generated / raw + timeout (quartiles) |");
        println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
        let cold;
        // One caller: the three paths interleaved on one task in runs of 100 calls, in a new
        // random order every step, each call timed: all three see the same machine at nearly
        // the same moment (this machine's speed drifts by up to 2× within minutes), each with
        // its code warm as in a loop of calls. Throughput is calls over summed latency; the
        // spread is that of the ratios over blocks of 2,000 calls.
        {
            const CALLS: usize = 60_000;
            const BLOCK: usize = 2_000;
            let paths = vec![raw.clone(), raw_timeout.clone(), generated.clone()];
            // Warm-up; the pool then holds one connection, as it does for one caller.
            interleaved(paths.clone(), 2_000, 1).await;
            let lat = interleaved(paths, CALLS, 100).await;
            let (a, t, g) = (&lat[0], &lat[1], &lat[2]);
            let ((q1, q3), (t1, t3)) = (block_quartiles(a, g, BLOCK), block_quartiles(t, g, BLOCK));
            println!(
                "| 1 | {:.0} | {:.0} | {:.0} | {:.3} ({q1:.3}–{q3:.3}) | {:.3} ({t1:.3}–{t3:.3}) |",
                rate(a),
                rate(t),
                rate(g),
                rate(g) / rate(a),
                rate(g) / rate(t)
            );
            // Call by call, raw reqwest and the client alternating at random (each follows
            // itself as often as the other): caches as cold as a mix of two clients makes them.
            let lat = interleaved(vec![raw.clone(), generated.clone()], 40_000, 1).await;
            let (a, g) = (&lat[0], &lat[1]);
            let (q1, q3) = block_quartiles(a, g, BLOCK);
            cold = format!(
                "\n1 caller, call by call (raw reqwest and the client alternating): {:.0} and {:.0} req/s, generated / raw {:.3} ({q1:.3}–{q3:.3}); median latency {:.1} and {:.1} µs",
                rate(a),
                rate(g),
                rate(g) / rate(a),
                median(a) * 1e6,
                median(g) * 1e6,
            );
        }
        // 64 callers: many short rounds, each round's three measurements, 0.3 s each, seeing
        // nearly the same machine. The generated client runs in the middle of every round,
        // next to both anchors, and the anchors alternate ends.
        const ROUNDS: usize = 25;
        let slice = Duration::from_millis(300);
        // Warm up both paths and a pool of 64 connections.
        run_for(64, Duration::from_millis(500), raw.clone()).await;
        run_for(64, Duration::from_millis(500), generated.clone()).await;
        {
            let concurrency = 64;
            let (mut a, mut t, mut b) = (Vec::new(), Vec::new(), Vec::new());
            let (mut ratio, mut ratio_t) = (Vec::new(), Vec::new());
            for round in 0..ROUNDS {
                let (x, y, z) = if round % 2 == 0 {
                    let x = run_for(concurrency, slice, raw.clone()).await;
                    let z = run_for(concurrency, slice, generated.clone()).await;
                    (x, run_for(concurrency, slice, raw_timeout.clone()).await, z)
                } else {
                    let y = run_for(concurrency, slice, raw_timeout.clone()).await;
                    let z = run_for(concurrency, slice, generated.clone()).await;
                    (run_for(concurrency, slice, raw.clone()).await, y, z)
                };
                a.push(x);
                t.push(y);
                b.push(z);
                ratio.push(z / x);
                ratio_t.push(z / y);
            }
            for v in [&mut a, &mut t, &mut b, &mut ratio, &mut ratio_t] {
                v.sort_by(|x, y| x.partial_cmp(y).unwrap());
            }
            // Medians, and the ratios' middle half (quartiles) to show the drift.
            let (m, q1, q3) = (ROUNDS / 2, ROUNDS / 4, 3 * ROUNDS / 4);
            println!(
                "| {concurrency} | {:.0} | {:.0} | {:.0} | {:.3} ({:.3}–{:.3}) | {:.3} ({:.3}–{:.3}) |",
                a[m], t[m], b[m], ratio[m], ratio[q1], ratio[q3], ratio_t[m], ratio_t[q1], ratio_t[q3]
            );
        }
        println!("{cold}");
    });
    // Instructions per call: (I(n2) - I(n1)) / (n2 - n1), so process start-up and set-up cancel.
    let (n1, n2) = (200, 1_200);
    let per_call = |path: &str| Some((instructions(path, n2)? - instructions(path, n1)?) / (n2 - n1) as u64);
    match (per_call("raw"), per_call("raw-timeout"), per_call("generated")) {
        (Some(r), Some(t), Some(g)) => {
            println!("\nInstructions per call (callgrind, client and server on one thread, sequential calls):\n");
            println!("| raw reqwest | raw reqwest + 30 s timeout | generated client | raw / generated | raw + timeout / generated |");
            println!("| ---: | ---: | ---: | ---: | ---: |");
            println!("| {r} | {t} | {g} | {:.3} | {:.3} |", r as f64 / g as f64, t as f64 / g as f64);
        }
        _ => println!("\n(valgrind not installed: no instruction counts)"),
    }
}
