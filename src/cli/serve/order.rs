//! A request into an [`Order`] and a poster (or a problem) into a response: the form's
//! fields (multipart) or JSON with base64 photos, checked against what the campaign allows
//! (its presets, the picked fields' lists, the photo's pixels read from its header).

use std::collections::BTreeMap;
use std::io::Cursor;

use affiche::files::Format;
use affiche::{Batch, Error, FieldKind, Order, Preset, Rendered, Studio};
use axum::Json;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::Server;

/// What the query string may ask: `/render?preset=instagram-story&format=jpg`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Asked {
    preset: Option<String>,
    format: Option<String>,
}

/// A JSON order: `{"values": {"name": …}, "photos": {"photo": "<base64>"}, "preset": …}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonOrder {
    #[serde(default)]
    values: BTreeMap<String, String>,
    /// Base64, or a `data:image/…;base64,` URL.
    #[serde(default)]
    photos: BTreeMap<String, String>,
    preset: Option<String>,
    format: Option<String>,
}

/// What went wrong, said to the client as `{"error": …, "field": …}`.
pub(super) struct Problem {
    status: StatusCode,
    message: String,
    field: Option<String>,
}

impl Problem {
    pub(super) fn new(status: StatusCode, message: &str, field: Option<&str>) -> Problem {
        Problem {
            status,
            message: message.to_string(),
            field: field.map(str::to_string),
        }
    }

    fn bad(message: &str, field: Option<&str>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, message, field)
    }

    pub(super) fn internal() -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "the poster could not be made", None)
    }

    /// The order's own problems (a name too long, a photo not decodable) are 422 with their
    /// field; anything else is the server's, said without its paths.
    pub(super) fn from_error(e: &Error) -> Problem {
        match e {
            Error::Order { field, message, .. } => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, message, Some(field)),
            _ => Problem::internal(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({"error": self.message, "field": self.field});
        let mut r = (self.status, Json(body)).into_response();
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

/// Reads the request's order; `true` beside it when the client asked for JSON back.
pub(super) async fn read(s: &Server, query: Asked, request: Request) -> Result<(Order, bool), Problem> {
    let headers = request.headers();
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (want_json, content_type) = (
        header(header::ACCEPT).contains("application/json"),
        header(header::CONTENT_TYPE),
    );
    let photo_fields = s.studio.photo_fields();
    let mut values = BTreeMap::new();
    let mut photos = BTreeMap::new();
    let (mut preset, mut format) = (query.preset, query.format);
    // axum's own words for a body over the limit name no limit.
    let too_large = |status: StatusCode, text: String, field: Option<&str>| match status {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            status,
            &format!(
                "the upload is over this server's {} MB limit: send a smaller photo",
                s.max_upload >> 20
            ),
            field,
        ),
        _ => Problem::new(status, &text, field),
    };
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|e| too_large(e.status(), e.body_text(), None))?;
        while let Some(part) = form
            .next_field()
            .await
            .map_err(|e| too_large(e.status(), e.body_text(), None))?
        {
            let Some(name) = part.name().map(str::to_string) else {
                continue;
            };
            let data = part
                .bytes()
                .await
                .map_err(|e| too_large(e.status(), e.body_text(), Some(&name)))?;
            if photo_fields.contains(&name) {
                // A file input left empty sends an empty part.
                if !data.is_empty() {
                    photos.insert(name, data.to_vec());
                }
            } else {
                let text = String::from_utf8(data.to_vec())
                    .map_err(|_| Problem::bad("the value is not UTF-8 text", Some(&name)))?;
                values.insert(name, text);
            }
        }
    } else if content_type.starts_with("application/json") {
        let Json(o): Json<JsonOrder> = Json::from_request(request, &())
            .await
            .map_err(|e| too_large(e.status(), e.body_text(), None))?;
        for (field, text) in o.photos {
            let b64 = text.split_once(";base64,").map_or(text.as_str(), |(_, b)| b);
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| Problem::bad(&format!("the photo is not base64: {e}"), Some(&field)))?;
            photos.insert(field, bytes);
        }
        values = o.values;
        preset = o.preset.or(preset);
        format = o.format.or(format);
    } else {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the fields as multipart/form-data, or as application/json with base64 photos",
            None,
        ));
    }
    let preset = match preset {
        Some(name) => *s.presets.iter().find(|p| p.name == name).ok_or_else(|| {
            let names: Vec<&str> = s.presets.iter().map(|p| p.name).collect();
            Problem::bad(&format!("preset {name:?} is not served; ask one of {names:?}"), None)
        })?,
        None => s.presets[0],
    };
    let format = match format {
        Some(f) => Format::parse(&f).ok_or_else(|| {
            Problem::bad(
                &format!("format {f:?} is not png, jpg, webp, webp-lossless or pdf"),
                None,
            )
        })?,
        None => s.studio.options().encoding.format,
    };
    for (field, list) in &s.picks {
        match values.get(field) {
            Some(v) if list.contains(v) => {}
            Some(_) => {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "pick a value from the list (GET /fields)",
                    Some(field),
                ));
            }
            None => {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "no value chosen",
                    Some(field),
                ));
            }
        }
    }
    for (field, bytes) in &photos {
        // The header only; its claim is what this limit judges, so no decoder limit stands in
        // the way. Unreadable headers are left to the decoder, whose message names the format.
        let dimensions = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .ok()
            .and_then(|mut r| {
                r.no_limits();
                r.into_dimensions().ok()
            });
        if let Some((w, h)) = dimensions {
            let megapixels = u64::from(w) * u64::from(h);
            if megapixels > s.max_photo_pixels {
                let message = format!(
                    "the photo is {w}×{h} pixels: over this server's {} megapixel limit; send a smaller photo",
                    s.max_photo_pixels / 1_000_000
                );
                return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, &message, Some(field)));
            }
        }
    }
    let order = Order {
        values,
        photos,
        preset: Some(preset),
        format: Some(format),
        row: 0,
    };
    Ok((order, want_json))
}

/// The poster as a file to download, or as JSON with its report when asked.
pub(super) fn poster_response(made: Rendered, name: &str, want_json: bool) -> Response {
    let ext = made.format.ext();
    let mut r = if want_json {
        let data = base64::engine::general_purpose::STANDARD.encode(&made.bytes);
        let body =
            json!({"format": ext, "width": made.width, "height": made.height, "report": made.entry, "data": data});
        Json(body).into_response()
    } else {
        let mime = match made.format {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp { .. } => "image/webp",
            Format::Pdf => "application/pdf",
        };
        let slug = affiche::files::slug(name);
        let stem = if slug.is_empty() { "poster".to_string() } else { slug };
        let file = format!("attachment; filename=\"{stem}-{}.{ext}\"", made.entry.preset);
        let mut r = ([(header::CONTENT_TYPE, mime)], made.bytes).into_response();
        if let Ok(v) = HeaderValue::from_str(&file) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        r
    };
    // A supporter's face: no cache keeps it.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Each picked field with its values over the campaign's rows, in data order without repeats.
/// Unset, `constituency` is picked when the template has that field and the data fills it.
pub(super) fn pick_lists(batch: &Batch, picks: &[String]) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let fields = batch.template.fields();
    let asked = !picks.is_empty();
    let picks: Vec<String> = if asked {
        picks.to_vec()
    } else {
        vec!["constituency".into()]
    };
    let mut out = Vec::new();
    for field in picks {
        if !fields.iter().any(|f| f.name == field && f.kind != FieldKind::Photo) {
            if asked {
                anyhow::bail!("--pick {field:?}: the template has no text field of that name");
            }
            continue;
        }
        let mut list: Vec<String> = Vec::new();
        for row in &batch.table.rows {
            if let Some(v) = batch.values(row)?.get(&field).filter(|v| !v.trim().is_empty())
                && !list.contains(v)
            {
                list.push(v.clone());
            }
        }
        match (list.is_empty(), asked) {
            (true, true) => anyhow::bail!("--pick {field:?}: no row of the data gives it a value"),
            (true, false) => {}
            (false, _) => out.push((field, list)),
        }
    }
    Ok(out)
}

/// `GET /fields`: what the form asks, in the template's order.
pub(super) fn describe(
    studio: &Studio,
    presets: &[Preset],
    picks: &[(String, Vec<String>)],
    max_upload: usize,
) -> serde_json::Value {
    let template = studio.template();
    let defaults: BTreeMap<&str, Option<&str>> = template
        .variants
        .iter()
        .flat_map(|v| v.placeholders.iter().map(|(k, d)| (k.as_str(), d.as_deref())))
        .collect();
    let fields: Vec<_> = template
        .fields()
        .into_iter()
        .map(|f| {
            let required = f.kind != FieldKind::Placeholder && template.rules_for(&f.name).required;
            let mut field = json!({"name": f.name, "kind": f.kind.to_string(), "required": required});
            if let Some((_, list)) = picks.iter().find(|(p, _)| *p == f.name) {
                field["choices"] = json!(list);
            }
            if let Some(Some(d)) = defaults.get(f.name.as_str()) {
                field["default"] = json!(d);
            }
            field
        })
        .collect();
    let presets: Vec<_> = presets
        .iter()
        .map(|p| json!({"name": p.name, "width": p.width, "height": p.height}))
        .collect();
    json!({
        "template": template.name,
        "fields": fields,
        "presets": presets,
        "format": studio.options().encoding.format.ext(),
        "max_upload_bytes": max_upload,
    })
}
