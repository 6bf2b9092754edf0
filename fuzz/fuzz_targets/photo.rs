//! Arbitrary bytes as a photo: decoded with limits, its face found, cropped
//! and padded into frames. Nothing may panic or allocate past the limits.
#![no_main]

use affiche::photos::{self as photo, Fit, Placement};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(image) = photo::decode(bytes) else {
        return;
    };
    assert!(image.width() <= photo::MAX_PHOTO_SIDE && image.height() <= photo::MAX_PHOTO_SIDE);
    let (faces, focus) = affiche::photos::find_faces(&image);
    for (w, h) in [(40, 50), (1, 1), (97, 13)] {
        let mut placements = vec![
            Placement::Focus { focus, zoom: 1.0 },
            Placement::Focus {
                focus: [1.5, -0.2],
                zoom: 3.0,
            },
        ];
        if let Some(face) = faces.first() {
            placements.push(Placement::Face {
                face: *face,
                target: [5.0, 5.0, 10.0, 12.0],
            });
        }
        for placement in placements {
            for fit in [Fit::Cover, Fit::Contain] {
                let prepared = photo::prepare(&image, w, h, fit, placement);
                assert_eq!(prepared.image.dimensions(), (w, h));
            }
        }
    }
});
