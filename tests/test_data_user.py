"""Bring your own data: ``--dataset conll:DIR``, ``sentences:DIR``, ``csv:FILE``,
``imagefolder:DIR``. Every test writes its small files in tmp."""

from __future__ import annotations

import dataclasses
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data import load_dataset
from nnzoo.data.conll import conlleval
from nnzoo.data.registry import dataset_parameters
from nnzoo.data.user import KINDS, detect_scheme, parse_spec, role_of, to_iob2
from nnzoo.models import get_spec, implemented_ids

PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank"]
PLACES = ["paris", "rome", "oslo", "lima", "new york"]


# -- writers ---------------------------------------------------------------------------------

def _entity(words: list[str], typ: str, scheme: str, opens: bool) -> list[str]:
    """Tags of one entity of ``words`` in ``scheme``; ``opens``: no entity of the same type
    right before (IOB1 writes I- then)."""
    n = len(words)
    if scheme == "bioes":
        return [f"S-{typ}"] if n == 1 else [f"B-{typ}", *[f"I-{typ}"] * (n - 2), f"E-{typ}"]
    first = "I" if scheme == "iob1" and opens else "B"
    return [f"{first}-{typ}", *[f"I-{typ}"] * (n - 1)]


def conll_sentences(n: int, seed: int, scheme: str = "iob2") -> list[list[tuple[str, str]]]:
    """Sentences '<person> went to <place> .' whose tags follow the words exactly."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        p, loc = rng.choice(PEOPLE).split(), rng.choice(PLACES).split()
        words = [*p, "went", "to", *loc, "."]
        tags = [*_entity(p, "PER", scheme, True), "O", "O", *_entity(loc, "LOC", scheme, True),
                "O"]
        out.append(list(zip(words, tags)))
    return out


def write_conll(path: Path, sents: list[list[tuple[str, str]]], columns: int = 4) -> None:
    """CoNLL-2003 layout (word POS chunk tag, -DOCSTART-) or two columns."""
    lines = ["-DOCSTART- -X- -X- O", ""] if columns == 4 else []
    for s in sents:
        for w, t in s:
            lines.append(f"{w} NN I-NP {t}" if columns == 4 else f"{w}\t{t}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def conll_dir(tmp: Path, scheme: str = "iob2", names: tuple[str, ...] = (
        "eng.train", "eng.testa", "eng.testb"), columns: int = 4) -> Path:
    d = tmp / f"conll-{scheme}-{columns}"
    d.mkdir()
    for i, (name, n) in enumerate(zip(names, (80, 20, 20))):
        write_conll(d / name, conll_sentences(n, i, scheme), columns)
    return d


def sentence_dir(tmp: Path, names: tuple[str, ...] = ("train.tsv", "valid.tsv", "test.tsv")
                 ) -> Path:
    d = tmp / "sentences"
    d.mkdir()
    rng = random.Random(0)
    words = {"happy": ["good", "great", "superb", "lovely"],
             "sad": ["bad", "awful", "dull", "poor"]}
    for name, n in zip(names, (200, 40, 40)):
        lines = []
        for _ in range(n):
            lab = rng.choice(sorted(words))
            lines.append(f"{lab}\tThe film was {rng.choice(words[lab])} , I think .")
        (d / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


def write_csv(path: Path, n: int = 240, regression: bool = False, sep: str = ",") -> Path:
    """Three separable classes (kinds) in two features, or a linear regression target."""
    rng = np.random.default_rng(0)
    rows = ["size,weight,kind" if not regression else "a,b,price"]
    for i in range(n):
        if regression:
            a, b = rng.random(2)
            rows.append(f"{a:.6f},{b:.6f},{3 * a - 2 * b + 1:.6f}")
        else:
            c = i % 3
            x = rng.random(2) + np.array([4 * c, -3 * c])
            rows.append(f"{x[0]:.5f},{x[1]:.5f},{['ant', 'bee', 'cat'][c]}")
    path.write_text("\n".join(r.replace(",", sep) for r in rows) + "\n", encoding="utf-8")
    return path


def image_dir(tmp: Path, n: int = 40, size: tuple[int, int] = (8, 6), rgb: bool = False,
              splits: bool = False) -> Path:
    """Two classes: a bright left half or a bright right half."""
    from PIL import Image

    root = tmp / "images"
    rng = np.random.default_rng(0)
    for part, count in ((("train", n), ("val", n // 4), ("test", n // 4)) if splits
                        else ((None, n),)):
        for cls in ("left", "right"):
            d = root / part / cls if part else root / cls
            d.mkdir(parents=True)
            for i in range(count):
                w, h = size
                a = rng.integers(0, 40, (h, w)).astype(np.uint8)
                half = slice(0, w // 2) if cls == "left" else slice(w // 2, w)
                a[:, half] += 200
                img = Image.fromarray(np.stack([a, a // 2, a], -1) if rgb else a)
                img.save(d / f"{i}.png")
    return root


# -- names and tag schemes -------------------------------------------------------------------

@pytest.mark.parametrize("name,role", [
    ("eng.train", "train"), ("eng.testa", "val"), ("eng.testb", "test"),
    ("wnut17train.conll", "train"), ("emerging.dev.conll", "val"),
    ("emerging.test.annotated", "test"), ("valid.txt", "val"), ("train.tsv", "train"),
    ("my-validation-set.csv", "val"), ("README.md", None), ("SOURCE.md", None),
    ("latest.txt", None), ("contest.txt", None)])
def test_role_of_file_names(name: str, role: str | None) -> None:
    assert role_of(name) == role


def test_role_of_ambiguous_name() -> None:
    with pytest.raises(InputError, match="both train and test"):
        role_of("train_test.txt")


def test_parse_spec() -> None:
    assert parse_spec("conll:data/x/") == ("conll", "data/x/")
    assert parse_spec("CSV:t.csv") == ("csv", "t.csv")
    assert parse_spec("mnist") is None and parse_spec("foo:bar") is None
    with pytest.raises(ConfigError, match="names no path"):
        parse_spec("imagefolder:")


def test_to_iob2_by_hand() -> None:
    assert to_iob2(["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]) == \
        ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-ORG"]
    assert to_iob2(["S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC", "O"]) == \
        ["B-PER", "B-LOC", "I-LOC", "I-LOC", "B-LOC", "O"]
    assert to_iob2(["B-PER", "I-PER", "O"]) == ["B-PER", "I-PER", "O"]


def test_to_iob2_keeps_every_iob1_entity() -> None:
    """conlleval reads IOB1 natively: the converted tags must hold exactly its chunks."""
    rng = random.Random(0)
    for _ in range(200):
        tags = [rng.choice(["O", "I-A", "I-B", "B-A", "B-B"]) for _ in range(rng.randint(1, 12))]
        tags = ["O" if t.startswith("B-") and (i == 0 or tags[i - 1][2:] != t[2:])
                else t for i, t in enumerate(tags)]        # B- only between same-type chunks
        s = conlleval([tags], [to_iob2(tags)])
        assert s.found_gold == s.found_guessed == s.correct


def test_detect_scheme() -> None:
    from nnzoo.data.conll import Sentence

    def one(*tags: str) -> dict[str, list[Sentence]]:
        return {"train": [Sentence(["w"] * len(tags), list(tags))]}

    f = {"train": Path("t")}
    assert detect_scheme(one("B-X", "I-X", "O"), f) == "iob2"
    assert detect_scheme(one("O", "I-X", "I-X"), f) == "iob1"
    assert detect_scheme(one("B-X", "E-X", "S-Y"), f) == "bioes"


# -- loading ---------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["iob1", "iob2", "bioes"])
def test_conll2003_folder_any_scheme_reads_the_same(tmp_path: Path, scheme: str) -> None:
    s = load_dataset(f"conll:{conll_dir(tmp_path, scheme)}")
    ref = load_dataset(f"conll:{conll_dir(tmp_path, 'iob2', columns=2)}")  # same sentences
    assert s.meta["scheme"] == scheme
    assert s.classes == ("O", "B-LOC", "I-LOC", "B-PER", "I-PER")
    assert s.sizes == {"train": 80, "val": 20, "test": 20}
    for part in ("train", "val", "test"):
        assert torch.equal(getattr(s, part).y, getattr(ref, part).y)
        assert torch.equal(getattr(s, part).X, getattr(ref, part).X)


def test_folder_without_dev_and_test_is_split_by_seed(tmp_path: Path) -> None:
    d = sentence_dir(tmp_path, names=("train.txt",))
    a = load_dataset(f"sentences:{d}")
    b = load_dataset(f"sentences:{d}")
    c = load_dataset(f"sentences:{d}", split_seed=1)
    assert a.sizes == {"train": 144, "val": 16, "test": 40}
    assert torch.equal(a.test.X, b.test.X) and not torch.equal(a.test.X, c.test.X)
    assert "drawn from the train file" in a.description


def test_sentences_folder(tmp_path: Path) -> None:
    s = load_dataset(f"sentences:{sentence_dir(tmp_path)}", max_len=4)
    assert s.classes == ("happy", "sad") and s.sample_shape == (4,)
    assert s.meta["sentences"]["train"][0][:3] == ["the", "film", "was"]
    raw = load_dataset(f"sentences:{tmp_path / 'sentences'}", tokenizer="split")
    assert raw.meta["sentences"]["train"][0][:3] == ["The", "film", "was"]


def test_csv_classification_and_regression(tmp_path: Path) -> None:
    s = load_dataset(f"csv:{write_csv(tmp_path / 't.csv')}")
    assert s.task == "classification" and s.classes == ("ant", "bee", "cat")
    assert s.sizes == {"train": 172, "val": 20, "test": 48}
    assert torch.bincount(s.test.y).tolist() == [16, 16, 16]            # stratified
    assert abs(float(s.train.X.mean())) < 1e-5                          # standardised on train
    assert torch.allclose(s.train.X.std(0, unbiased=False), torch.ones(2), atol=1e-5)
    r = load_dataset(f"csv:{write_csv(tmp_path / 'r.tsv', regression=True, sep=chr(9))}")
    assert r.task == "regression" and r.n_classes is None and r.train.y.shape[1:] == (1,)
    # a few whole numbers are classes; forcing regression keeps the numbers
    (tmp_path / "n.csv").write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(30)))
    assert load_dataset(f"csv:{tmp_path / 'n.csv'}").classes == ("0", "1")
    f = load_dataset(f"csv:{tmp_path / 'n.csv'}", target="x", target_type="regression")
    assert f.task == "regression" and f.meta["features"] == ["y"]


@pytest.mark.parametrize("rgb", [False, True])
def test_image_folder(tmp_path: Path, rgb: bool) -> None:
    from PIL import Image

    d = image_dir(tmp_path, rgb=rgb)
    s = load_dataset(f"imagefolder:{d}")
    assert s.classes == ("left", "right") and s.sample_shape == ((3 if rgb else 1), 6, 8)
    assert s.sizes == {"train": 57, "val": 7, "test": 16}
    assert float(s.train.X.min()) >= 0 and float(s.train.X.max()) <= 1
    # the pixels are the file's, / 255
    first = sorted((d / "left").iterdir(), key=lambda p: p.name)[0]
    want = np.asarray(Image.open(first).convert("RGB" if rgb else "L"), dtype=np.float32) / 255
    X = torch.cat([s.train.X, s.val.X, s.test.X])
    assert any(np.allclose(x.permute(1, 2, 0).squeeze(-1).numpy(), want) for x in X)


def test_image_folder_with_split_folders(tmp_path: Path) -> None:
    s = load_dataset(f"imagefolder:{image_dir(tmp_path, splits=True)}")
    assert s.sizes == {"train": 80, "val": 20, "test": 20}


# -- one clear error per malformed input -------------------------------------------------------

def _err(cli, spec: str, *sets: str) -> str:
    args = [a for kv in sets for a in ("--set", kv)]
    code, out, err = cli("data", "check", spec, *args)
    assert code == 2 and out == "", (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnzoo: error: "), err
    return lines[0]


def test_error_conll_line_with_one_column(cli, tmp_path: Path) -> None:
    d = conll_dir(tmp_path)
    text = (d / "eng.testb").read_text().splitlines()
    text[6] = "lonely"
    (d / "eng.testb").write_text("\n".join(text) + "\n")
    assert f"{d / 'eng.testb'}:7: expected 4 non-empty columns" in _err(cli, f"conll:{d}")


def test_error_conll_first_line_with_one_column(cli, tmp_path: Path) -> None:
    d = tmp_path / "c"
    d.mkdir()
    (d / "train.txt").write_text("alone\n")
    assert f"{d / 'train.txt'}:1: expected at least 2 columns" in _err(cli, f"conll:{d}")


def test_error_conll_tag_outside_the_schemes(cli, tmp_path: Path) -> None:
    d = conll_dir(tmp_path)
    text = (d / "eng.train").read_text().replace("went NN I-NP O", "went NN I-NP VERB", 1)
    (d / "eng.train").write_text(text)
    line = text.splitlines().index("went NN I-NP VERB") + 1
    msg = _err(cli, f"conll:{d}")
    assert f"{d / 'eng.train'}:{line}: tag 'VERB' is not O or B-/I-/E-/S-TYPE" in msg


def test_error_conll_type_never_in_train(cli, tmp_path: Path) -> None:
    d = conll_dir(tmp_path)
    text = (d / "eng.testa").read_text().replace("B-LOC", "B-ORG", 1)
    (d / "eng.testa").write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.endswith("B-ORG"))
    msg = _err(cli, f"conll:{d}")
    assert f"{d / 'eng.testa'}:{line}: entity type 'ORG' never occurs in the train file" in msg


def test_error_sentence_line_without_tab(cli, tmp_path: Path) -> None:
    d = sentence_dir(tmp_path)
    lines = (d / "valid.tsv").read_text().splitlines()
    lines[4] = "happy what a film"
    (d / "valid.tsv").write_text("\n".join(lines) + "\n")
    assert f"{d / 'valid.tsv'}, line 5: expected 'label<TAB>text', found no tab" in \
        _err(cli, f"sentences:{d}")


def test_error_sentence_label_never_in_train(cli, tmp_path: Path) -> None:
    d = sentence_dir(tmp_path)
    with open(d / "test.tsv", "a") as f:
        f.write("angry\tso cross\n")
    assert f"{d / 'test.tsv'}, line 41: label 'angry' never occurs in the train file" in \
        _err(cli, f"sentences:{d}")


def test_error_csv_non_numeric_feature(cli, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "t.csv")
    lines = f.read_text().splitlines()
    lines[9] = "big,1.0,ant"
    f.write_text("\n".join(lines) + "\n")
    assert f"{f}, line 10: column 'size' holds 'big', not a finite number" in _err(cli, f"csv:{f}")


def test_error_csv_missing_target_lists_columns(cli, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "t.csv")
    assert "has no column 'label' to use as the target; its columns are: size, weight, kind" \
        in _err(cli, f"csv:{f}", "target=label")


def test_error_csv_without_header(cli, tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("1,2,0\n3,4,1\n")
    assert "line 1: the first row holds numbers; it must be a header" in _err(cli, f"csv:{f}")


def test_error_csv_regression_on_text(cli, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "t.csv")
    assert "regression needs numbers" in _err(cli, f"csv:{f}", "target_type=regression")


def test_error_empty_folder(cli, tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    for kind in ("conll", "sentences"):
        assert f"{tmp_path / 'e'} is empty" in _err(cli, f"{kind}:{tmp_path / 'e'}")
    assert "holds no class folders" in _err(cli, f"imagefolder:{tmp_path / 'e'}")


def test_error_missing_train_file(cli, tmp_path: Path) -> None:
    d = sentence_dir(tmp_path)
    (d / "train.tsv").unlink()
    msg = _err(cli, f"sentences:{d}")
    assert f"{d} has no train file" in msg and "test.tsv, valid.tsv" in msg


def test_error_missing_folder(cli, tmp_path: Path) -> None:
    assert "no such folder" in _err(cli, f"conll:{tmp_path / 'nope'}")


def test_error_image_of_another_size(cli, tmp_path: Path) -> None:
    from PIL import Image

    d = image_dir(tmp_path)
    Image.new("L", (5, 5)).save(d / "right" / "odd.png")
    msg = _err(cli, f"imagefolder:{d}")
    assert f"{d / 'right' / 'odd.png'} is 5x5 pixels but" in msg and "is 8x6" in msg


def test_error_file_that_is_not_an_image(cli, tmp_path: Path) -> None:
    d = image_dir(tmp_path)
    (d / "left" / "notes.txt").write_text("hello")
    assert f"{d / 'left' / 'notes.txt'}: not an image Pillow can read" in \
        _err(cli, f"imagefolder:{d}")


def test_error_image_class_never_in_train(cli, tmp_path: Path) -> None:
    from PIL import Image

    d = image_dir(tmp_path, splits=True)
    (d / "test" / "up").mkdir()
    Image.new("L", (8, 6)).save(d / "test" / "up" / "0.png")
    assert f"{d / 'test' / 'up' / '0.png'}: class 'up' never occurs" in \
        _err(cli, f"imagefolder:{d}")


def test_error_empty_class_folder(cli, tmp_path: Path) -> None:
    d = image_dir(tmp_path)
    (d / "middle").mkdir()
    assert f"{d / 'middle'} is empty" in _err(cli, f"imagefolder:{d}")


# -- --set routing ---------------------------------------------------------------------------

def test_dataset_arguments_never_shadowed_by_a_hyperparameter() -> None:
    """Model and training fields take a --set key first; no argument of a KIND:PATH loader
    may share a name with one, or it could never be reached."""
    hp = {f.name for f in dataclasses.fields(TrainConfig)}
    for m in implemented_ids():
        hp |= {f.name for f in dataclasses.fields(get_spec(m).config)}
    for kind in KINDS:
        params = set(dataset_parameters(f"{kind}:x"))
        assert params and not params & hp, (kind, params & hp)


def test_unknown_set_key_lists_dataset_arguments_too(cli, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "t.csv")
    code, _, err = cli("train", "perceptron", "--dataset", f"csv:{f}", "--set", "targt=kind",
                       "--out", str(tmp_path / "runs"))
    assert code == 2 and "did you mean 'target'" in err


def test_regression_table_on_a_classifier_is_one_clear_error(cli, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "r.csv", regression=True)
    code, _, err = cli("train", "perceptron", "--dataset", f"csv:{f}", "--out",
                       str(tmp_path / "runs"))
    assert code == 2 and "regression" in err and len(err.strip().splitlines()) == 1


# -- training end to end through the CLI --------------------------------------------------------

def _train(cli, tmp_path: Path, *args: str) -> dict:
    out_dir = tmp_path / "runs"
    code, out, err = cli("train", *args, "--out", str(out_dir), "--quiet")
    assert code == 0, err
    run = Path(out.strip().splitlines()[-1].split()[-1])
    assert run.parent == out_dir
    return json.loads((run / "summary.json").read_text())


def test_train_crf_on_a_conll_folder(cli, tmp_path: Path) -> None:
    d = conll_dir(tmp_path, "iob1")
    s = _train(cli, tmp_path, "crf", "--dataset", f"conll:{d}", "--epochs", "3")
    assert s["dataset"] == f"conll:{d.resolve()}" and s["test"]["f1"] >= 0.95


def test_train_bilstm_crf_with_the_wnut17_recipe_on_a_conll_folder(cli, tmp_path: Path,
                                                                   monkeypatch) -> None:
    d = conll_dir(tmp_path, "bioes")
    monkeypatch.chdir(tmp_path)                       # a relative path is stored absolute
    s = _train(cli, tmp_path, "bilstm-crf", "--dataset", f"conll:{d.name}/", "--recipe",
               "wnut17", "--epochs", "2", "--set", "max_chars=8")
    assert s["recipe"] == "wnut17" and s["epochs"] == 2
    assert 0.0 <= s["test"]["f1"] <= 1.0 and np.isfinite(s["test"]["loss"])
    config = json.loads((Path(s["run_dir"]) / "config.json").read_text())
    assert config["dataset"] == f"conll:{d.resolve()}"
    assert config["dataset_args"] == {"max_chars": 8}
    assert config["model_hp"]["tags"] == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    monkeypatch.chdir(Path(s["run_dir"]))             # eval from anywhere finds the files
    code, out, err = cli("eval", s["run_dir"], "--json")
    assert code == 0, err
    assert json.loads(out)["test"]["f1"] == pytest.approx(s["test"]["f1"])


@pytest.mark.parametrize("model,recipe", [("text-cnn", None), ("lstm", "mr")])
def test_train_sentence_classifiers_on_a_folder(cli, tmp_path: Path, model: str,
                                                recipe: str | None) -> None:
    d = sentence_dir(tmp_path)
    extra = ["--recipe", recipe] if recipe else []
    s = _train(cli, tmp_path, model, "--dataset", f"sentences:{d}", *extra, "--epochs", "3")
    assert s["test"]["accuracy"] == 1.0


@pytest.mark.parametrize("model", ["perceptron", "svm", "mlp"])
def test_train_on_a_separable_csv(cli, tmp_path: Path, model: str) -> None:
    f = write_csv(tmp_path / "t.csv", n=600)
    s = _train(cli, tmp_path, model, "--dataset", f"csv:{f}", "--set", "target=kind",
               *(["--epochs", "20"] if model == "mlp" else []))
    assert s["test"]["accuracy"] == 1.0
    config = json.loads((Path(s["run_dir"]) / "config.json").read_text())
    assert config["dataset_args"] == {"target": "kind"}


@pytest.mark.parametrize("model,recipe", [("elm", "friedman1"), ("rbf-net", "diabetes")])
def test_train_regression_on_a_csv(cli, tmp_path: Path, model: str, recipe: str) -> None:
    f = write_csv(tmp_path / "r.csv", n=400, regression=True)
    s = _train(cli, tmp_path, model, "--dataset", f"csv:{f}", "--recipe", recipe, "--set",
               "target=price")
    assert s["test"]["mse"] < 0.01                    # y = 3a - 2b + 1 has variance ~1.1


@pytest.mark.parametrize("model,epochs", [("perceptron", "10"), ("mlp", "30"), ("cnn", "10")])
def test_train_on_an_image_folder(cli, tmp_path: Path, model: str, epochs: str) -> None:
    d = image_dir(tmp_path, n=60)
    s = _train(cli, tmp_path, model, "--dataset", f"imagefolder:{d}", "--epochs", epochs)
    assert s["test"]["accuracy"] == 1.0


# -- the real WNUT-17 files as a user's folder (slow) ------------------------------------------

@pytest.mark.slow
def test_wnut17_folder_reads_as_the_registered_dataset() -> None:
    root = os.environ.get("NNZOO_DATA", "").strip()
    if not root or not (Path(root) / "wnut17").is_dir():
        pytest.skip("NNZOO_DATA with wnut17/ is not set")
    mine, ref = load_dataset(f"conll:{Path(root) / 'wnut17'}"), load_dataset("wnut17")
    assert mine.classes == ref.classes and mine.meta["words"] == ref.meta["words"]
    assert mine.meta["scheme"] == "iob2"
    for part in ("train", "val", "test"):
        assert torch.equal(getattr(mine, part).X, getattr(ref, part).X)
        assert torch.equal(getattr(mine, part).y, getattr(ref, part).y)


def test_error_two_validation_image_folders(cli, tmp_path: Path) -> None:
    d = image_dir(tmp_path, splits=True)
    (d / "valid" / "left").mkdir(parents=True)
    assert "holds two dev/valid folders, val/ and valid/" in _err(cli, f"imagefolder:{d}")


def test_verify_points_own_data_to_check(cli, tmp_path: Path) -> None:
    code, _, err = cli("data", "verify", f"conll:{tmp_path}")
    assert code == 2 and f"nnzoo data check conll:{tmp_path}" in err
