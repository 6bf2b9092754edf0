"""The Python package against the repository's sample template, campaign and photos.

Run from anywhere: paths are taken from the repository root (two folders up), except in the
README example, which runs from the root as its reader would.
"""

import pickle
import struct
import threading
import time
from pathlib import Path

import pytest

import affiche

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "samples" / "photos"
# A small preset keeps the debug build's tests quick.
SMALL = "facebook-link"


def png_size(data: bytes) -> tuple:
    """(width, height) from a PNG's IHDR chunk, which must come first."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def photo(name: str = "hopper.jpg") -> bytes:
    return (PHOTOS / name).read_bytes()


def values(name: str = "Léa ROY", constituency: str = "Paris (1re circonscription)") -> dict:
    return {"name": name, "constituency": constituency}


@pytest.fixture(scope="module")
def hero() -> affiche.Template:
    return affiche.Template.load(ROOT / "templates" / "hero", fonts=str(ROOT / "fonts"))


@pytest.fixture(scope="module")
def campaign() -> affiche.Template:
    return affiche.Template.from_campaign(ROOT / "samples" / "campaign.toml")


def test_readme_example_makes_a_story_png(monkeypatch):
    monkeypatch.chdir(ROOT)
    import affiche

    t = affiche.Template.load("templates/hero", fonts="fonts")
    png = t.render({"name": "Léa ROY", "constituency": "Paris (1re circonscription)"}, photo=open("samples/photos/hopper.jpg", "rb").read(), preset="instagram-story")
    assert isinstance(png, bytes)
    assert png_size(png) == (1080, 1920)


def test_poster_is_render_with_its_size_and_report(hero):
    png = hero.render(values(), photo=photo(), preset=SMALL)
    p = hero.poster(values(), photo=photo(), preset=SMALL)
    assert p.data == png
    assert (p.format, p.width, p.height) == ("png", 1200, 630)
    assert png_size(p.data) == (1200, 630)
    texts = {t["field"]: t for t in p.report["texts"]}
    assert set(texts) == {"name", "constituency"}
    assert texts["name"]["size"] > 0 and texts["name"]["lines"] >= 1
    assert p.report["variant"] == "wide"
    assert isinstance(p.report["warnings"], list)
    assert p.report["alt"] is None


def test_format_and_template_size(hero):
    jpeg = hero.poster(values(), photo=photo(), preset=SMALL, format="jpeg")
    assert jpeg.format == "jpeg" and jpeg.data[:3] == b"\xff\xd8\xff"
    # No preset: the first variant at its own size (landscape.svg, 1600×900).
    assert png_size(hero.render(values(), photo=photo())) == (1600, 900)


def test_fields_and_presets(hero):
    kinds = {f["name"]: f["kind"] for f in hero.fields}
    assert kinds["name"] == "text" and kinds["constituency"] == "text"
    assert kinds["photo"] == "photo" and kinds["accent"] == "placeholder"
    sizes = {p["name"]: (p["width"], p["height"]) for p in affiche.presets()}
    assert sizes["instagram-story"] == (1080, 1920)
    assert sizes["x-post"] == (1600, 900)


def test_campaign_rows_render_as_the_values_they_make(campaign):
    direct = campaign.render(values(), photo=photo(), preset=SMALL)
    # The campaign's own columns, its [fields] patterns making name and constituency.
    columns = {"prenom": "Léa", "nom": "ROY", "circonscription": "Paris (1re circonscription)"}
    assert campaign.render(columns, photo=photo(), preset=SMALL) == direct
    # As a data row: the photo by file name, read from the campaign's photos folder.
    [row] = campaign.render_many([dict(columns, photo="hopper.jpg")], preset=SMALL)
    assert row == direct
    # Another person is another poster.
    assert campaign.render(values("Ada LOVELACE"), photo=photo(), preset=SMALL) != direct


def test_text_that_cannot_fit_names_its_field_and_row(hero):
    long = values("Marie-" * 40)
    with pytest.raises(affiche.RenderError) as e:
        hero.render(long, photo=photo(), preset=SMALL)
    assert (e.value.field, e.value.row) == ("name", None)
    assert e.value.message == str(e.value) and e.value.message.startswith('field "name": ')
    assert isinstance(e.value, affiche.AfficheError)
    with pytest.raises(affiche.RenderError) as e:
        hero.render_many([dict(values(), photo=photo()), dict(long, photo=photo())], preset=SMALL)
    assert (e.value.field, e.value.row) == ("name", 2)
    assert e.value.message.startswith('row 2, field "name": ')


def test_photos_that_cannot_be_read_name_the_photo_field(hero):
    with pytest.raises(affiche.RenderError) as e:
        hero.render(values(), photo=b"GIF89a\x01\x00 not really", preset=SMALL)
    assert e.value.field == "photo"
    heic = (ROOT / "tests" / "fixtures" / "phone" / "zPug_3.heic").read_bytes()
    with pytest.raises(affiche.RenderError) as e:
        hero.render(values(), photos={"photo": heic}, preset=SMALL)
    assert e.value.field == "photo" and "HEIC" in e.value.message
    with pytest.raises(affiche.RenderError) as e:
        hero.render(values(), photos={"selfie": photo()}, preset=SMALL)
    assert e.value.field == "selfie"
    with pytest.raises(TypeError):
        hero.render(values(), photo="samples/photos/hopper.jpg")


def test_cells_become_text(hero):
    as_text = hero.render({"name": "1234", "constituency": "75"}, photo=photo(), preset=SMALL)
    assert hero.render({"name": 1234.0, "constituency": 75}, photo=photo(), preset=SMALL) == as_text
    # Missing cells are empty, not "nan"/"None": the template requires a constituency.
    for missing in (None, float("nan")):
        with pytest.raises(affiche.RenderError) as e:
            hero.render({"name": "Ada", "constituency": missing}, photo=photo(), preset=SMALL)
        assert e.value.field == "constituency" and "empty" in e.value.message


def test_bad_arguments_are_affiche_errors(hero):
    with pytest.raises(affiche.AfficheError, match="no-such-size"):
        hero.render(values(), photo=photo(), preset="no-such-size")
    with pytest.raises(affiche.AfficheError, match="gif"):
        hero.render(values(), photo=photo(), format="gif")
    with pytest.raises(affiche.AfficheError, match="errors="):
        hero.render_many([], errors="ignore")
    with pytest.raises(affiche.AfficheError, match="overflow="):
        affiche.Template.load(ROOT / "templates" / "hero", fonts=ROOT / "fonts", overflow="shrink")
    with pytest.raises(affiche.AfficheError, match="nowhere"):
        affiche.Template.load(ROOT / "templates" / "nowhere", fonts=[ROOT / "fonts"])
    with pytest.raises(affiche.AfficheError):
        affiche.Template.from_campaign(ROOT / "samples" / "no-campaign.toml")


def test_render_many_keeps_the_rows_order(hero):
    names = ["Ada LOVELACE", "Grace HOPPER", "Eileen COLLINS"]
    one_by_one = [hero.render(values(n), photo=photo(), preset=SMALL) for n in names]
    assert len(set(one_by_one)) == 3
    together = hero.render_many([dict(values(n), photo=photo()) for n in names], preset=SMALL, jobs=2)
    assert together == one_by_one


def test_render_many_takes_a_dataframe():
    pd = pytest.importorskip("pandas")
    t = affiche.Template.from_campaign(ROOT / "samples" / "campaign.toml")
    df = pd.DataFrame(
        {
            "prenom": ["Ada", "Grace", "Eileen"],
            "nom": ["LOVELACE", "HOPPER", None],  # None: a missing cell, empty text
            "circonscription": ["Paris (1re circonscription)", "Nord (12e circonscription)", "Gironde"],
            "photo": ["hopper.jpg", "collins.jpg", "hopper.jpg"],
            "numero": [1, 2, 3],
        }
    )
    got = t.render_many(df, preset=SMALL, photos_dir=PHOTOS, errors="collect")
    expected = [
        t.render(values("Ada LOVELACE"), photo=photo("hopper.jpg"), preset=SMALL),
        t.render(values("Grace HOPPER", "Nord (12e circonscription)"), photo=photo("collins.jpg"), preset=SMALL),
        t.render(values("Eileen ", "Gironde"), photo=photo("hopper.jpg"), preset=SMALL),
    ]
    assert got[:2] == expected[:2]
    assert got[2] == expected[2], "the missing nom is empty text: 'Eileen ', not 'Eileen nan'"


def test_collected_errors_sit_at_their_rows(hero):
    rows = [
        dict(values("Ada LOVELACE"), photo=photo()),
        dict(values("Grace HOPPER"), photo=b"not a photo"),
        dict(values("Eileen COLLINS"), photo=photo("collins.jpg")),
        dict(values("Marie-" * 40), photo=photo()),
    ]
    got = hero.render_many(rows, preset=SMALL, errors="collect")
    assert [type(x) for x in got] == [bytes, affiche.RenderError, bytes, affiche.RenderError]
    assert (got[1].row, got[1].field) == (2, "photo")
    assert (got[3].row, got[3].field) == (4, "name")
    copy = pickle.loads(pickle.dumps(got[3]))
    assert (copy.row, copy.field, copy.message) == (4, "name", got[3].message)
    assert got[0] == hero.render(values("Ada LOVELACE"), photo=photo(), preset=SMALL)
    assert png_size(got[2]) == (1200, 630)
    with pytest.raises(affiche.RenderError) as e:
        hero.render_many(rows, preset=SMALL)
    assert (e.value.row, e.value.field) == (2, "photo"), "the first failing row is raised"


def test_photo_file_names_stay_inside_photos_dir(hero, tmp_path):
    (tmp_path / "link.jpg").symlink_to(PHOTOS / "hopper.jpg")
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "ok.jpg").write_bytes(photo())
    (inside / "escape.jpg").symlink_to(PHOTOS / "hopper.jpg")
    names = ["ok.jpg", "../link.jpg", str(PHOTOS / "hopper.jpg"), "escape.jpg", "missing.jpg"]
    got = hero.render_many([dict(values(), photo=n) for n in names], preset=SMALL, photos_dir=inside, errors="collect")
    assert got[0] == hero.render(values(), photo=photo(), preset=SMALL)
    for i in (1, 2, 3):
        assert isinstance(got[i], affiche.RenderError), names[i]
        assert (got[i].row, got[i].field) == (i + 1, "photo")
        assert "inside photos_dir" in got[i].message, got[i].message
    assert isinstance(got[4], affiche.RenderError) and "missing.jpg" in got[4].message
    # A file name with no folder to read it from, and a folder that is not there.
    with pytest.raises(affiche.RenderError, match="photos_dir"):
        hero.render_many([dict(values(), photo="ok.jpg")], preset=SMALL)
    with pytest.raises(affiche.AfficheError, match="nowhere"):
        hero.render_many([dict(values(), photo="ok.jpg")], photos_dir=tmp_path / "nowhere")


def test_threads_share_a_template(hero):
    names = ["Ada LOVELACE", "Grace HOPPER", "Eileen COLLINS", "Hélène GUÉRIN"]
    alone = [hero.render(values(n), photo=photo(), preset=SMALL) for n in names]
    start = threading.Barrier(len(names))
    together = [None] * len(names)

    def work(i: int) -> None:
        start.wait()
        together[i] = hero.render(values(names[i]), photo=photo(), preset=SMALL)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(names))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone


def test_rendering_releases_the_gil(hero):
    # The main thread ticks while another thread is inside one render_many call: with the
    # GIL held for the call, at most a tick or two could slip in at its edges.
    ticks = 0
    during = []
    done = threading.Event()

    def work() -> None:
        before = ticks
        hero.render_many([dict(values(), photo=photo())] * 2, preset=SMALL, jobs=1)
        during.append(ticks - before)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    assert during[0] >= 5, f"the main thread ticked {during[0]} times during render_many"
