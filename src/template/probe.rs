//! The first parse of each variant, at load: filled with stand-in content (a probe line in
//! each text slot, a 1×1 photo), it tells the canvas size, where each slot lands on the
//! canvas, and which filters are drawn where (checked against the caps here and again at
//! each output size).

use std::collections::BTreeMap;
use std::sync::Arc;

use resvg::usvg;

use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::geometry::Bounds;
use crate::template::Template;
use crate::template::fill::{TextFill, fill_svg};
use crate::template::ids;

/// What the first parse of a variant tells: canvas size and slot positions.
pub(crate) struct Geometry {
    pub size: (f32, f32),
    pub filters: Vec<crate::limits::FilterUse>,
    pub photo_frames: Vec<Bounds>,
    pub text_frames: Vec<Bounds>,
}

/// Parses variant `index` once with stand-in content to learn its geometry.
pub(crate) fn analyse(template: &Template, index: usize, fonts: &Fonts) -> Result<Geometry> {
    let variant = &template.variants[index];
    let values: BTreeMap<String, String> = BTreeMap::new();
    let probes: Vec<TextFill> = variant.texts.iter().map(|_| TextFill::Probe).collect();
    let svg = fill_svg(variant, &values, &probes);
    // A 1×1 transparent PNG stands in for every photo.
    let dot = Arc::new(crate::png::encode_fast(&image::RgbaImage::new(1, 1), &[]));
    let opt = crate::template::confine::usvg_options(template, fonts, move |_| Some(usvg::ImageKind::PNG(dot.clone())));
    let background = variant.background.as_ref().map(|b| b.svg.as_str());
    for doc in std::iter::once(svg.as_str()).chain(background) {
        crate::limits::check_extents(doc).map_err(|message| Error::Template {
            path: variant.path.clone(),
            message,
        })?;
    }
    let tree = usvg::Tree::from_str(&svg, &opt).map_err(|e| Error::Template {
        path: variant.path.clone(),
        message: e.to_string(),
    })?;
    let size = (tree.size().width(), tree.size().height());
    if size.0 * size.1 > crate::limits::MAX_PIXELS as f32 {
        return Err(Error::Template {
            path: variant.path.clone(),
            message: format!(
                "canvas {}×{} is over the {}-pixel limit",
                size.0,
                size.1,
                crate::limits::MAX_PIXELS
            ),
        });
    }
    let mut filters = crate::limits::filters(&tree);
    // The static background is hidden from this tree (drawn from its own document): add its filters.
    if let Some(bg) = &variant.background
        && let Ok(bg) = usvg::Tree::from_str(&bg.svg, &opt)
    {
        filters.extend(crate::limits::filters(&bg));
    }
    let own = (size.0.ceil() as u32, size.1.ceil() as u32);
    crate::limits::check_filters(&filters, usvg::Transform::identity(), own).map_err(|(filter, message)| {
        Error::Filter {
            path: variant.path.clone(),
            filter,
            message,
        }
    })?;
    let frame_of = |id: String| -> Result<(Bounds, usvg::Transform)> {
        let node = tree.node_by_id(&id).ok_or_else(|| Error::Template {
            path: variant.path.clone(),
            message: format!("slot {id:?} is not drawn (hidden, zero-sized or inside <defs>?)"),
        })?;
        let b = node.abs_bounding_box();
        Ok((
            Bounds {
                x: b.x(),
                y: b.y(),
                width: b.width(),
                height: b.height(),
            },
            node.abs_transform(),
        ))
    };
    let mut photo_frames = Vec::new();
    for slot in &variant.photos {
        photo_frames.push(frame_of(ids::photo_id(&slot.field))?.0);
    }
    let mut text_frames = Vec::new();
    for slot in &variant.texts {
        let (_, ts) = frame_of(ids::text_id(&slot.field))?;
        let f = slot.frame;
        let r = usvg::Rect::from_xywh(f.x, f.y, f.width, f.height).and_then(|r| r.transform(ts));
        text_frames.push(r.map_or(f, |r| Bounds {
            x: r.x(),
            y: r.y(),
            width: r.width(),
            height: r.height(),
        }));
    }
    Ok(Geometry {
        size,
        filters,
        photo_frames,
        text_frames,
    })
}
