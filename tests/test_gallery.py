"""The recorded gallery: ``nnzoo site gallery OUT`` trains default recipes and records their
figures and text samples; the model pages (server and static build) show exactly those."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest
import torch

pytest.importorskip("starlette")
pytest.importorskip("jinja2")

from starlette.testclient import TestClient  # noqa: E402

from nnzoo.cli import main  # noqa: E402
from nnzoo.core.errors import InputError, UnknownNameError, UsageError  # noqa: E402
from nnzoo.data.text import CHARS  # noqa: E402
from nnzoo.web.app import create_app  # noqa: E402
from nnzoo.web.build import build_site  # noqa: E402
from nnzoo.web.gallery import MANIFEST, load_gallery, record_gallery  # noqa: E402
from nnzoo.web.site import load_site  # noqa: E402

IDS = ["perceptron", "markov-chain"]
EVIL = "<script>alert(1)</script> & \"quoted\""


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gallery") / "g"
    threads = torch.get_num_threads()
    record_gallery(out, IDS, quiet=True)
    assert torch.get_num_threads() == threads  # one thread inside, given back after
    return out


def manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text())["models"]


def test_records_figures_sample_and_manifest(gallery: Path) -> None:
    models = manifest(gallery)
    assert sorted(models) == sorted(IDS)
    for ident, rec in models.items():
        assert rec["recipe"] and rec["date"] and rec["train_command"] == f"nnzoo train {ident}"
        assert shlex.split(rec["command"]) == ["nnzoo", "site", "gallery", str(gallery),
                                               "--id", ident]
        assert rec["test_metric"] == rec["test"][rec["metric"]]
        listed = set(rec["figures"]) | ({rec["sample"]} if rec["sample"] else set())
        assert {p.name for p in (gallery / ident).iterdir()} == listed
        assert "learning_curve.png" in rec["figures"]
        for name in rec["figures"]:
            assert (gallery / ident / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "confusion_matrix.png" in models["perceptron"]["figures"]
    assert models["perceptron"]["sample"] is None
    assert 0.5 < models["perceptron"]["test_metric"] <= 1.0  # accuracy on digits
    text = (gallery / "markov-chain" / "samples.txt").read_text()
    assert 300 <= len(text) <= 400 and set(text) <= set(CHARS)  # Tiny Shakespeare's
    assert models["markov-chain"]["sample"] == "samples.txt"


def test_the_manifest_command_rerecords_that_id_only(gallery: Path, tmp_path: Path) -> None:
    copy = tmp_path / "g"
    shutil.copytree(gallery, copy)
    before = manifest(copy)
    stale = copy / "markov-chain" / "old_plot.png"
    stale.write_bytes(b"x")
    data = json.loads((copy / MANIFEST).read_text())
    data["models"]["markov-chain"]["figures"].append("old_plot.png")
    data["models"]["markov-chain"]["date"] = "2000-01-01"
    (copy / MANIFEST).write_text(json.dumps(data))
    argv = shlex.split(before["markov-chain"]["command"].replace(str(gallery), str(copy)))
    assert main([*argv[1:], "--quiet"]) == 0
    after = manifest(copy)
    assert after["perceptron"] == before["perceptron"]  # the other id kept as it was
    again = after["markov-chain"]
    assert again["date"] != "2000-01-01" and not stale.exists()  # recorded anew
    assert again["test"] == before["markov-chain"]["test"]  # seed 0: the same run
    assert again["figures"] == before["markov-chain"]["figures"]
    assert (copy / "markov-chain" / "samples.txt").read_text() == \
        (gallery / "markov-chain" / "samples.txt").read_text()


def test_bad_requests_are_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture
                                          ) -> None:
    with pytest.raises(UnknownNameError, match="implemented model"):
        record_gallery(tmp_path / "a", ["wgan"], quiet=True)  # in the catalog, not implemented
    with pytest.raises(UnknownNameError):
        record_gallery(tmp_path / "a", ["no-such-model"], quiet=True)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="previous gallery"):
        record_gallery(foreign, ["perceptron"], quiet=True)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    import nnzoo

    inside = Path(nnzoo.__file__).parent / "web" / "gallery-out"
    with pytest.raises(UsageError, match="inside the nnzoo package"):
        record_gallery(inside, ["perceptron"], quiet=True)
    assert not inside.exists()
    with pytest.raises(InputError, match="gallery.json"):
        load_site(gallery=tmp_path / "empty")
    assert main(["site", "gallery", str(tmp_path / "b"), "--id", "wgan"]) == 2
    assert main(["site", "build", str(tmp_path / "c"), "--id", "lstm"]) == 2
    assert main(["site", "build", str(tmp_path / "c"), "--gallery", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("nnzoo: error:") == 3
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def evil_copy(gallery: Path, tmp_path: Path) -> Path:
    """The gallery with a sample holding markup, an unlisted file and a listed name that
    tries to leave the folder."""
    copy = tmp_path / "g"
    shutil.copytree(gallery, copy)
    (copy / "markov-chain" / "samples.txt").write_text(EVIL)
    (copy / "perceptron" / "unlisted.png").write_bytes(b"\x89PNG unlisted")
    (tmp_path / "secret.png").write_bytes(b"secret")
    data = json.loads((copy / MANIFEST).read_text())
    data["models"]["perceptron"]["figures"] += ["../../secret.png", "../gallery.json"]
    (copy / MANIFEST).write_text(json.dumps(data))
    return copy


def test_model_page_shows_figures_and_escaped_sample(gallery: Path, tmp_path: Path) -> None:
    site = load_site(gallery=evil_copy(gallery, tmp_path))
    assert sorted(site.gallery_files()) == sorted(
        f"gallery/{i}/{n}" for i in IDS for n in manifest(gallery)[i]["figures"])
    client = TestClient(create_app(site))
    page = client.get("/models/markov-chain").text
    plots = page[page.index('id="plots"'):]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34;" in plots
    assert "<script>alert" not in page
    assert 'alt="Markov chain: state graph"' in plots
    assert manifest(gallery)["markov-chain"]["command"] in plots
    page = client.get("/models/perceptron").text
    for name in manifest(gallery)["perceptron"]["figures"]:
        src = f'src="/static/gallery/perceptron/{name}"'
        assert src in page
        got = client.get(f"/static/gallery/perceptron/{name}")
        assert got.status_code == 200
        assert got.content == (gallery / "perceptron" / name).read_bytes()
    assert 'alt="Perceptron: confusion matrix"' in page
    assert "unlisted" not in page and "secret" not in page
    for path in ["/static/gallery/perceptron/unlisted.png", "/static/gallery/gallery.json",
                 "/static/gallery/perceptron/..%2f..%2fsecret.png",
                 "/static/gallery/perceptron/../../secret.png",
                 "/static/gallery/../gallery/perceptron/unlisted.png",
                 "/static/gallery/lstm/learning_curve.png"]:
        assert client.get(path).status_code == 404, path


def test_static_build_copies_exactly_the_listed_files(gallery: Path, tmp_path: Path) -> None:
    site = load_site(gallery=evil_copy(gallery, tmp_path / "src"))
    out = tmp_path / "site"
    build_site(out, site=site, quiet=True)
    copied = sorted(p.relative_to(out / "static" / "gallery").as_posix()
                    for p in (out / "static" / "gallery").rglob("*") if p.is_file())
    assert copied == sorted(f"{i}/{n}" for i in IDS for n in manifest(gallery)[i]["figures"])
    srcs = 0
    for page in (out / "models").glob("*.html"):
        html = page.read_text()
        for src in [s.split('"')[0] for s in html.split('<img src="')[1:]]:
            assert not src.startswith(("/", "http")), src
            assert (page.parent / src).resolve().is_file(), (page.name, src)
            srcs += "static/gallery/" in src        # the rest: the benchmark rows' figures
    assert srcs == len(copied)
    assert "&lt;script&gt;alert(1)" in (out / "models" / "markov-chain.html").read_text()


def test_without_a_gallery_the_section_says_so(gallery: Path) -> None:
    site = load_site(gallery=gallery)
    assert load_gallery(gallery).keys() == set(IDS)
    site.gallery = {}
    page = TestClient(create_app(site)).get("/models/perceptron").text
    assert "no recorded gallery" in page and "/static/gallery/" not in page
