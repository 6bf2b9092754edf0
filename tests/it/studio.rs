//! The in-memory entry embedders use ([`affiche::Studio`]): one poster from values and
//! photo bytes, the same bytes a batch writes for the same row, from any number of threads.

use std::collections::BTreeMap;
use std::path::Path;

use affiche::{Batch, Campaign, CampaignFile, Error, Order, Preset, RunOptions, Studio};

use crate::common::root;

/// The sample campaign on its rows `rows` (header included), writing into `out`.
fn campaign(dir: &Path, rows: &[&str], presets: &[&str]) -> Campaign {
    let data = dir.join("people.csv");
    let mut csv = String::from("prenom,nom,circonscription,photo,slogan\n");
    rows.iter().for_each(|r| csv.push_str(&format!("{r}\n")));
    std::fs::write(&data, csv).unwrap();
    let path = root().join("samples/campaign.toml");
    let mut file = CampaignFile::load(&path).unwrap();
    file.data = Some(data);
    file.photos = Some(root().join("samples/photos"));
    file.out = Some(dir.join("out"));
    file.presets = Some(presets.iter().map(|p| p.to_string()).collect());
    Campaign::resolve(file, &path).unwrap()
}

/// An order of one sample row, by its columns, as a data team's table holds it.
fn order(prenom: &str, nom: &str, constituency: &str, photo: &str, preset: &str) -> Order {
    let values: BTreeMap<String, String> = [("prenom", prenom), ("nom", nom), ("circonscription", constituency)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Order {
        values,
        photos: [(
            "photo".to_string(),
            std::fs::read(root().join("samples/photos").join(photo)).unwrap(),
        )]
        .into(),
        preset: Some(Preset::find(preset).unwrap()),
        ..Default::default()
    }
}

#[test]
fn a_studio_poster_is_byte_for_byte_the_file_a_batch_writes() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        "Hélène,GUÉRIN,Bouches-du-Rhône (4e circonscription),hopper.jpg,",
        "Eileen,COLLINS,Nord (12e circonscription),collins-wide.jpg,",
    ];
    let presets = ["instagram-story", "x-post"];
    let batch = Batch::load(campaign(dir.path(), &rows, &presets)).unwrap();
    let report = batch.run(&RunOptions::default(), &|| {}).unwrap();
    let studio = Studio::from_campaign(campaign(dir.path(), &rows, &presets)).unwrap();
    let orders = [
        (
            "Hélène",
            "GUÉRIN",
            "Bouches-du-Rhône (4e circonscription)",
            "hopper.jpg",
        ),
        ("Eileen", "COLLINS", "Nord (12e circonscription)", "collins-wide.jpg"),
    ];
    for (row, (p, n, c, photo)) in orders.into_iter().enumerate() {
        for preset in presets {
            let made = studio.render(&order(p, n, c, photo, preset)).unwrap();
            let entry = report
                .entries
                .iter()
                .find(|e| e.row == row + 1 && e.preset == preset)
                .unwrap();
            let file = std::fs::read(dir.path().join("out").join(&entry.output)).unwrap();
            assert!(
                made.bytes == file,
                "row {} {preset}: the studio's bytes differ",
                row + 1
            );
            let size = Preset::find(preset).map(|p| (p.width, p.height)).unwrap();
            assert_eq!((made.width, made.height), size);
            // The report entry says the same of it (the name fitted at the same size, in the same lines).
            assert_eq!(made.entry.texts.len(), entry.texts.len());
            for (a, b) in made.entry.texts.iter().zip(&entry.texts) {
                assert_eq!((&a.field, a.size, a.lines), (&b.field, b.size, b.lines));
            }
            assert_eq!(made.entry.variant, entry.variant);
            assert!(made.entry.output.is_empty(), "nothing written");
        }
    }
}

#[test]
fn one_studio_renders_from_many_threads_as_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let studio = Studio::from_campaign(campaign(dir.path(), &["A,B,C,hopper.jpg,"], &[])).unwrap();
    let orders: Vec<Order> = [
        (
            "Ada",
            "LOVELACE",
            "Paris (1re circonscription)",
            "hopper.jpg",
            "instagram-square",
        ),
        (
            "Eileen",
            "COLLINS",
            "Nord (12e circonscription)",
            "collins.jpg",
            "x-post",
        ),
        (
            "Jean-Baptiste",
            "DU PLESSIS-VARENNE",
            "Gironde (3e circonscription)",
            "photographer-gray.png",
            "linkedin-post",
        ),
        (
            "Grace",
            "HOPPER",
            "Lozère (1re circonscription)",
            "hopper-mirror.jpg",
            "instagram-story",
        ),
    ]
    .into_iter()
    .map(|(p, n, c, photo, preset)| order(p, n, c, photo, preset))
    .collect();
    let alone: Vec<Vec<u8>> = orders.iter().map(|o| studio.render(o).unwrap().bytes).collect();
    // Eight threads, each order twice, all at once: same bytes (caches shared, nothing raced).
    let together: Vec<(usize, Vec<u8>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (studio, order) = (&studio, &orders[i % orders.len()]);
                s.spawn(move || (i % 4, studio.render(order).unwrap().bytes))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, bytes) in together {
        assert!(bytes == alone[i], "order {i} differs when rendered beside others");
    }
    // A list of orders on two threads: each result in its order's place, a failing one among them.
    let mut list = orders.clone();
    list[1].photos.insert("photo".into(), b"not a photo".to_vec());
    list.iter_mut().enumerate().for_each(|(i, o)| o.row = i + 1);
    let results = studio.render_all(&list, 2).unwrap();
    assert_eq!(results.len(), 4);
    for (i, r) in results.iter().enumerate() {
        match r {
            Ok(made) => assert!(i != 1 && made.bytes == alone[i], "order {}", i + 1),
            Err(e) => assert_eq!((i, e.row(), e.field()), (1, Some(2), Some("photo")), "{e}"),
        }
    }
}

#[test]
fn an_orders_problems_name_its_field_and_leave_the_studio_serving() {
    let dir = tempfile::tempdir().unwrap();
    let studio = Studio::from_campaign(campaign(dir.path(), &["A,B,C,hopper.jpg,"], &[])).unwrap();
    let field = |e: &Error| e.field().map(str::to_string);
    // A name no box can hold.
    let mut long = order(&"Marie-".repeat(40), "X", "Paris", "hopper.jpg", "x-post");
    long.row = 7;
    let e = studio.render(&long).unwrap_err();
    assert!(matches!(e, Error::Order { .. }), "{e:?}");
    assert_eq!((field(&e).as_deref(), e.row()), (Some("name"), Some(7)));
    assert!(e.to_string().starts_with("row 7, field \"name\": "), "{e}");
    // Bytes that are no photo; a HEIC; no photo at all; a photo field the template lacks.
    let mut bad = order("Ada", "LOVELACE", "Paris", "hopper.jpg", "x-post");
    bad.photos.insert("photo".into(), b"GIF89a\x01\x00 not really".to_vec());
    let e = studio.render(&bad).unwrap_err();
    assert_eq!((field(&e).as_deref(), e.row()), (Some("photo"), None));
    assert!(e.to_string().starts_with("field \"photo\": photo: "), "{e}");
    let heic = std::fs::read(root().join("tests/fixtures/phone/zPug_3.heic")).unwrap();
    bad.photos.insert("photo".into(), heic);
    let e = studio.render(&bad).unwrap_err().to_string();
    assert!(e.contains("HEIC") && e.contains("JPEG"), "{e}");
    bad.photos.clear();
    let e = studio.render(&bad).unwrap_err();
    assert_eq!(field(&e).as_deref(), Some("photo"), "{e}");
    bad.photos.insert("selfie".into(), vec![1, 2, 3]);
    let e = studio.render(&bad).unwrap_err().to_string();
    assert!(e.contains("\"selfie\"") && e.contains("[\"photo\"]"), "{e}");
    // The studio still renders after them.
    assert!(
        studio
            .render(&order("Ada", "LOVELACE", "Paris", "hopper.jpg", "x-post"))
            .is_ok()
    );
}

#[test]
fn values_are_drawn_as_text_never_read_as_markup() {
    let dir = tempfile::tempdir().unwrap();
    let studio = Studio::from_campaign(campaign(dir.path(), &["A,B,C,hopper.jpg,"], &[])).unwrap();
    let size_of = |name: &str| {
        let mut o = order("-", "-", "Paris", "hopper.jpg", "x-post");
        o.values.insert("name".into(), name.into());
        let made = studio.render(&o).unwrap();
        made.entry.texts.iter().find(|t| t.field == "name").unwrap().size
    };
    // Long enough to be shrunk to fit: a longer text is set smaller.
    assert!(size_of("Jean-Baptiste DU PLESSIS-VARENNE") < size_of("Ada"));
    // Read as markup, each would draw as the plain name beside it, at its size.
    for (markup, plain) in [
        (
            "<tspan>Jean-Baptiste</tspan> DU PLESSIS-VARENNE",
            "Jean-Baptiste DU PLESSIS-VARENNE",
        ),
        (
            "Jean-Baptiste &amp; DU PLESSIS-VARENNE",
            "Jean-Baptiste & DU PLESSIS-VARENNE",
        ),
        (
            "Jean-Baptiste <![CDATA[DU PLESSIS-VARENNE]]>",
            "Jean-Baptiste DU PLESSIS-VARENNE",
        ),
    ] {
        assert!(size_of(markup) < size_of(plain), "{markup:?} was read as markup");
    }
}
