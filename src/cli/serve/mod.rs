//! `affiche serve`: a campaign's posters over HTTP, for its website and other tools.
//! `POST /render` (multipart form or JSON with base64 photos) gives the poster; `GET /fields`
//! and `GET /presets` describe the form; `/` is the supporters' "make your own poster" page.
//!
//! It faces the public, so every request is bounded before work is done for it: the body
//! size (axum's limit, 413), the photo's pixels read from its header before decoding
//! (`order`), the number of requests admitted (renders running plus a bounded queue; past
//! it 503 with `Retry-After`), and the time a request may take, upload included (503).
//! Posters render on blocking threads, at most `jobs` at once, through the library's
//! [`Studio`]; uploads live in memory for their request only. Errors are JSON with the
//! field at fault, never a backtrace.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use affiche::{Batch, Preset, Studio};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::Semaphore;

mod order;

/// How the server runs: from `affiche serve`'s flags.
pub(crate) struct Settings {
    pub listen: SocketAddr,
    /// Largest request body, in bytes.
    pub max_upload: usize,
    /// Largest photo, in pixels, read from its header before decoding.
    pub max_photo_pixels: u64,
    /// Requests waiting for a render thread, beyond those rendering, before 503.
    pub queue: usize,
    /// Renders at once (0: one per core).
    pub jobs: usize,
    /// Longest a request may take, upload and render.
    pub timeout: Duration,
    /// Fields whose value is picked from the list of its values over the data.
    pub picks: Vec<String>,
}

/// What every request reads.
struct Server {
    studio: Studio,
    /// `GET /fields`, made once.
    fields: serde_json::Value,
    presets: Vec<Preset>,
    /// Picked fields with their allowed values.
    picks: Vec<(String, Vec<String>)>,
    renders: Arc<Semaphore>,
    jobs: usize,
    /// Requests admitted and not answered; at most `capacity`.
    load: AtomicUsize,
    capacity: usize,
    timeout: Duration,
    max_photo_pixels: u64,
    max_upload: usize,
    /// The last render's time, for `Retry-After`.
    last_render_ms: AtomicU64,
}

/// The supporters' page: its script is a file of its own so that the page's
/// Content-Security-Policy can refuse every inline script.
const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Serves until Ctrl-C. `batch` is the loaded campaign (its data gives the picked lists).
pub(crate) fn run(batch: Batch, settings: Settings) -> anyhow::Result<()> {
    let picks = order::pick_lists(&batch, &settings.picks)?;
    let presets = if batch.campaign.presets.is_empty() {
        affiche::PRESETS.to_vec()
    } else {
        batch.campaign.presets.clone()
    };
    let studio = Studio::from_batch(batch);
    let fields = order::describe(&studio, &presets, &picks, settings.max_upload);
    let jobs = match settings.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let server = Arc::new(Server {
        studio,
        fields,
        presets,
        picks,
        renders: Arc::new(Semaphore::new(jobs)),
        jobs,
        load: AtomicUsize::new(0),
        capacity: jobs + settings.queue,
        timeout: settings.timeout,
        max_photo_pixels: settings.max_photo_pixels,
        max_upload: settings.max_upload,
        last_render_ms: AtomicU64::new(200),
    });
    let app = Router::new()
        .route("/", get(page))
        .route("/page.js", get(script))
        .route("/fields", get(fields_json))
        .route("/presets", get(presets_json))
        .route("/render", post(render))
        .layer(DefaultBodyLimit::max(settings.max_upload))
        .with_state(server);
    // Network I/O only: the renders have their own blocking threads.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen).await?;
        let at = listener.local_addr()?;
        // The address on stdout, first line: scripts (and the tests) read the port from it.
        println!("serving on http://{at}/");
        eprintln!("POST /render, GET /fields, GET /presets; the supporters' page at http://{at}/ — Ctrl-C stops");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

async fn page() -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r
}

async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

async fn fields_json(State(s): State<Arc<Server>>) -> Response {
    axum::Json(s.fields.clone()).into_response()
}

async fn presets_json(State(s): State<Arc<Server>>) -> Response {
    let list: Vec<_> = s
        .presets
        .iter()
        .map(|p| json!({"name": p.name, "width": p.width, "height": p.height}))
        .collect();
    axum::Json(list).into_response()
}

/// A request admitted: counted in the load until answered.
struct Admitted<'a>(&'a AtomicUsize);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Server {
    fn admit(&self) -> Option<Admitted<'_>> {
        if self.load.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.load.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Admitted(&self.load))
    }

    /// Seconds until a queue as long as ours is likely through, at least 1.
    fn retry_after(&self) -> u64 {
        let ms = self.last_render_ms.load(Ordering::Relaxed) * self.capacity as u64 / self.jobs as u64;
        ms.div_ceil(1000).max(1)
    }
}

async fn render(State(s): State<Arc<Server>>, Query(query): Query<order::Asked>, request: Request) -> Response {
    let Some(_admitted) = s.admit() else {
        return busy(&s, "the server is busy: too many posters asked at once");
    };
    match tokio::time::timeout(s.timeout, render_admitted(s.clone(), query, request)).await {
        Ok(response) => response,
        Err(_) => busy(
            &s,
            &format!("the poster took longer than {} s", s.timeout.as_secs_f64()),
        ),
    }
}

async fn render_admitted(s: Arc<Server>, query: order::Asked, request: Request) -> Response {
    let (order, want_json) = match order::read(&s, query, request).await {
        Ok(o) => o,
        Err(problem) => return problem.into_response(),
    };
    let Ok(permit) = s.renders.clone().acquire_owned().await else {
        return order::Problem::internal().into_response();
    };
    let server = s.clone();
    // The permit goes with the render: a render outliving its request's time limit still counts.
    let made = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let start = Instant::now();
        let made = server.studio.render(&order);
        let ms = start.elapsed().as_millis() as u64;
        server.last_render_ms.store(ms, Ordering::Relaxed);
        made.map(|m| (m, order.values.get("name").cloned().unwrap_or_default()))
    })
    .await;
    match made {
        Ok(Ok((made, name))) => order::poster_response(made, &name, want_json),
        Ok(Err(e)) => order::Problem::from_error(&e).into_response(),
        Err(_) => order::Problem::internal().into_response(),
    }
}

fn busy(s: &Server, message: &str) -> Response {
    let mut r = order::Problem::new(StatusCode::SERVICE_UNAVAILABLE, message, None).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(s.retry_after()));
    r
}
