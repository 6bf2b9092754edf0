//! Load on `affiche serve`, 127.0.0.1 only: 2 then 16 clients, each posting a supporter's
//! order (a 12-megapixel phone-sized JPEG, name, constituency) for an instagram-story PNG
//! as soon as its previous answer is in. Prints requests per second, p50 and p99 latency,
//! 503s, and the server's peak RSS (VmHWM) after each phase.
//!
//!     cargo bench --bench serve              # 120 requests a phase
//!     cargo bench --bench serve -- 400       # more
//!
//! Bounded: each phase stops at its request count or after 120 s, whichever comes first.

mod common;
#[path = "../tests/it/http.rs"]
mod http;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PHASE_LIMIT: Duration = Duration::from_secs(120);

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn main() {
    let requests: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(120);
    let root = env!("CARGO_MANIFEST_DIR");
    let sample = std::fs::read(format!("{root}/samples/photos/hopper-square-large.jpg")).unwrap();
    let photo = common::upscaled_jpeg(&sample, 3000, 4000);
    let server = http::Served::start(
        std::path::Path::new(root),
        &["serve", "samples/campaign.toml", "--queue", "64"],
    );
    let addr = server.addr.clone();
    let (content_type, body) = http::multipart(
        &[
            ("name", "Anouk VAN DER BRUGGEN-LEFORT"),
            ("constituency", "Nord (12e circonscription)"),
        ],
        &[("photo", "IMG_2024.JPG", &photo)],
    );
    let post = || {
        http::request(
            &addr,
            "POST",
            "/render?preset=instagram-story",
            &[("Content-Type", &content_type)],
            &body,
        )
    };
    // One warm-up request: fonts and the template's static layers are ready before timing.
    assert_eq!(post().status, 200, "the server renders");
    println!(
        "affiche serve, {} cores, photo {:.1} MB (3000×4000 JPEG), instagram-story PNG",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        photo.len() as f64 / 1e6
    );
    println!("| clients | requests | 200 | 503 | req/s | p50 ms | p99 ms | peak RSS MB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for clients in [2, 16] {
        let next = AtomicUsize::new(0);
        let latencies = Mutex::new(Vec::new());
        let busy = AtomicUsize::new(0);
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..clients {
                s.spawn(|| {
                    while next.fetch_add(1, Ordering::SeqCst) < requests && start.elapsed() < PHASE_LIMIT {
                        let t = Instant::now();
                        let reply = post();
                        match reply.status {
                            200 => latencies.lock().unwrap().push(t.elapsed()),
                            503 => {
                                busy.fetch_add(1, Ordering::SeqCst);
                            }
                            other => panic!("status {other}: {}", String::from_utf8_lossy(&reply.body)),
                        }
                    }
                });
            }
        });
        let wall = start.elapsed().as_secs_f64();
        let mut l = latencies.into_inner().unwrap();
        l.sort();
        let at = |q: f64| l[((l.len() as f64 * q).ceil() as usize).clamp(1, l.len()) - 1].as_secs_f64() * 1000.0;
        println!(
            "| {clients} | {} | {} | {} | {:.2} | {:.0} | {:.0} | {:.0} |",
            l.len() + busy.load(Ordering::SeqCst),
            l.len(),
            busy.load(Ordering::SeqCst),
            l.len() as f64 / wall,
            at(0.5),
            at(0.99),
            peak_rss_mb(server.pid())
        );
    }
}
