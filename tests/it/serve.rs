//! `affiche serve` over real HTTP on 127.0.0.1: the poster a website gets is the one the
//! library makes, and what faces the public is bounded (upload size, photo pixels, queue,
//! time) and says what went wrong as JSON with the field, never with the server's paths.

use std::path::Path;

use affiche::{Campaign, CampaignFile, Order, Preset, Studio};

use crate::common::root;
use crate::http::{Reply, Served, multipart, request};

/// `affiche serve` on the sample campaign (output folder in `dir`), with `flags`.
pub fn serve(dir: &Path, flags: &[&str]) -> Served {
    let out = dir.join("out");
    let mut args = vec!["serve", "samples/campaign.toml", "--out", out.to_str().unwrap()];
    args.extend(flags);
    Served::start(root(), &args)
}

fn photo(name: &str) -> Vec<u8> {
    std::fs::read(root().join("samples/photos").join(name)).unwrap()
}

fn post_form(addr: &str, path: &str, texts: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Reply {
    let (content_type, body) = multipart(texts, files);
    request(addr, "POST", path, &[("Content-Type", &content_type)], &body)
}

const PARIS: &str = "Paris (1re circonscription)";

#[test]
fn a_website_gets_the_poster_the_library_makes() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let page = request(&server.addr, "GET", "/", &[], b"");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    let scripts = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src"));
    assert_eq!(scripts, Some("script-src 'self'"), "no inline script runs: {csp}");
    assert!(String::from_utf8_lossy(&page.body).contains("<script src=\"page.js\">"));
    let fields = request(&server.addr, "GET", "/fields", &[], b"").json();
    let constituency = fields["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "constituency")
        .unwrap();
    let choices = constituency["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 14, "the sample's distinct constituencies");
    assert!(choices.iter().any(|c| c == PARIS));
    let presets = request(&server.addr, "GET", "/presets", &[], b"").json();
    assert_eq!(presets.as_array().unwrap().len(), 6);

    let hopper = photo("hopper.jpg");
    let reply = post_form(
        &server.addr,
        "/render?preset=instagram-story",
        &[("name", "Léa ROY"), ("constituency", PARIS)],
        &[("photo", "IMG_0042.JPG", &hopper)],
    );
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.header("content-type"), Some("image/png"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"lea-roy-instagram-story.png\"")
    );
    // The same order through the library: the same bytes.
    let path = root().join("samples/campaign.toml");
    let studio = Studio::from_campaign(Campaign::resolve(CampaignFile::load(&path).unwrap(), &path).unwrap()).unwrap();
    let order = Order {
        values: [("name", "Léa ROY"), ("constituency", PARIS)]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into(),
        photos: [("photo".to_string(), hopper.clone())].into(),
        preset: Some(Preset::find("instagram-story").unwrap()),
        ..Default::default()
    };
    assert!(
        reply.body == studio.render(&order).unwrap().bytes,
        "the served poster differs from the library's"
    );

    // JSON in, JSON out: base64 photo, the report entry beside the bytes.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let body = serde_json::json!({
        "values": {"name": "Ada LOVELACE", "constituency": PARIS},
        "photos": {"photo": format!("data:image/jpeg;base64,{}", b64.encode(&hopper))},
        "preset": "x-post", "format": "jpg",
    });
    let reply = request(
        &server.addr,
        "POST",
        "/render",
        &[("Content-Type", "application/json"), ("Accept", "application/json")],
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let made = reply.json();
    assert_eq!(
        (made["width"].as_u64(), made["height"].as_u64()),
        (Some(1600), Some(900))
    );
    assert_eq!(made["report"]["texts"][0]["field"], "name");
    let jpeg = b64.decode(made["data"].as_str().unwrap()).unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert_eq!(image::load_from_memory(&jpeg).unwrap().width(), 1600);
    // Nothing was written: not the output folder, not the uploads.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A PNG whose header claims `w`×`h` pixels, with one byte of pixel data: a decompression bomb's head.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        png.extend((data.len() as u32).to_be_bytes());
        png.extend(kind);
        png.extend(data);
        png.extend(crc.sum().to_be_bytes());
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    png
}

#[test]
fn what_faces_the_public_is_bounded_and_said_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--max-upload-mb", "2"]);
    let hopper = photo("hopper.jpg");
    let problem = |reply: Reply, status: u16, field: Option<&str>, says: &str| {
        let body = String::from_utf8_lossy(&reply.body).into_owned();
        assert_eq!(reply.status, status, "{body}");
        let json = reply.json();
        assert_eq!(json["field"].as_str(), field, "{body}");
        let error = json["error"].as_str().unwrap();
        assert!(error.contains(says), "{error:?} should say {says:?}");
        // Never the server's own paths, sources or panics.
        for leak in ["/work", "/root", "src/", ".rs", "panicked", root().to_str().unwrap()] {
            assert!(!body.contains(leak), "{body} shows {leak:?}");
        }
    };
    let long = "Marie-".repeat(40);
    let form = |name: &str, constituency: &str, bytes: &[u8]| {
        post_form(
            &server.addr,
            "/render",
            &[("name", name), ("constituency", constituency)],
            &[("photo", "p.jpg", bytes)],
        )
    };
    problem(form(&long, PARIS, &hopper), 422, Some("name"), "does not fit");
    problem(
        form("Léa ROY", "Atlantis", &hopper),
        422,
        Some("constituency"),
        "pick a value",
    );
    let heic = std::fs::read(root().join("tests/fixtures/phone/zPug_3.heic")).unwrap();
    problem(form("Léa ROY", PARIS, &heic), 422, Some("photo"), "HEIC");
    problem(
        form("Léa ROY", PARIS, b"not a photo at all"),
        422,
        Some("photo"),
        "photo",
    );
    // A header claiming 40000×30000 pixels is refused before any decoding.
    problem(
        form("Léa ROY", PARIS, &png_claiming(40_000, 30_000)),
        413,
        Some("photo"),
        "40000×30000",
    );
    // Over --max-upload-mb 2: refused whole.
    let big = vec![0u8; 3 << 20];
    problem(form("Léa ROY", PARIS, &big), 413, Some("photo"), "2 MB limit");
    problem(
        post_form(&server.addr, "/render?preset=a4-tabloid", &[("name", "x")], &[]),
        400,
        None,
        "not served",
    );
    let plain = request(
        &server.addr,
        "POST",
        "/render",
        &[("Content-Type", "text/plain")],
        b"hi",
    );
    problem(plain, 415, None, "multipart/form-data");
    // JSON of the wrong shape: axum's own words, which name the key.
    let wrong = |body: &[u8]| {
        request(
            &server.addr,
            "POST",
            "/render",
            &[("Content-Type", "application/json")],
            body,
        )
    };
    problem(wrong(b"{\"values\": 3}"), 422, None, "values");
    problem(
        wrong(b"{\"values\": {}, \"photos\": {\"photo\": \"%%%\"}}"),
        400,
        Some("photo"),
        "base64",
    );
    problem(wrong(b"{\"values\": "), 400, None, "JSON");
    // Still serving after all of them.
    assert_eq!(form("Léa ROY", PARIS, &hopper).status, 200);
}

#[test]
fn a_full_queue_answers_503_with_retry_after_and_serves_again() {
    let dir = tempfile::tempdir().unwrap();
    // One render at a time and no queue: of requests sent at once, one renders.
    let server = serve(dir.path(), &["--jobs", "1", "--queue", "0"]);
    let hopper = photo("hopper-square-large.jpg");
    let replies: Vec<Reply> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    post_form(
                        &server.addr,
                        "/render?preset=instagram-story",
                        &[("name", "Léa ROY"), ("constituency", PARIS)],
                        &[("photo", "p.jpg", &hopper)],
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let busy: Vec<&Reply> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(!busy.is_empty(), "six at once with room for one: some are turned away");
    assert!(replies.iter().all(|r| r.status == 200 || r.status == 503));
    assert!(replies.iter().any(|r| r.status == 200));
    for r in busy {
        let wait: u64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!(wait >= 1);
        assert!(r.json()["error"].as_str().unwrap().contains("busy"));
    }
    // Once they are answered, the next one renders.
    let again = post_form(
        &server.addr,
        "/render",
        &[("name", "Léa ROY"), ("constituency", PARIS)],
        &[("photo", "p.jpg", &hopper)],
    );
    assert_eq!(again.status, 200);

    // A request over its time limit is answered 503, and the server goes on.
    let hasty = serve(dir.path(), &["--timeout", "0.000001"]);
    let reply = post_form(
        &hasty.addr,
        "/render",
        &[("name", "Léa ROY"), ("constituency", PARIS)],
        &[("photo", "p.jpg", &hopper)],
    );
    assert_eq!(reply.status, 503);
    assert!(reply.json()["error"].as_str().unwrap().contains("took longer than"));
    assert!(reply.header("retry-after").is_some());
    assert_eq!(request(&hasty.addr, "GET", "/fields", &[], b"").status, 200);
}
