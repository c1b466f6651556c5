"""``nnzoo sample RUN_DIR``: text from a tiny character-LM run, through the CLI; bad primes and
options are one clear line with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli


def _one_line(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnzoo: error:"), err
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.fixture(scope="module")
def lm_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-epoch, 16-unit LSTM on the shipped excerpt (the default recipe, shrunk)."""
    from nnzoo.cli import main

    out = tmp_path_factory.mktemp("runs")
    code = main(["train", "lstm", "--epochs", "1", "--set", "hidden_size=16", "--set",
                 "embed_dim=8", "--set", "batch_size=128", "--out", str(out), "--quiet"])
    assert code == 0
    (run,) = out.iterdir()
    return run


def test_sample_prints_the_prime_and_generated_text(cli: Cli, lm_run: Path) -> None:
    code, out, err = cli("sample", str(lm_run), "--prime", "ROMEO:", "--length", "80",
                         "--temperature", "0.8", "--top-k", "10", "--seed", "3")
    assert code == 0, err
    text = out[:-1]                                                   # print adds a newline
    assert text.startswith("ROMEO:") and len(text) == len("ROMEO:") + 80
    again = cli("sample", str(lm_run), "--prime", "ROMEO:", "--length", "80",
                "--temperature", "0.8", "--top-k", "10", "--seed", "3")[1]
    assert again == out                                               # the seed fixes the draws
    other = cli("sample", str(lm_run), "--prime", "ROMEO:", "--length", "80", "--seed", "4")[1]
    assert other != out
    assert (lm_run / "plots" / "sample.txt").read_text().strip()


def test_prime_outside_the_vocabulary_is_one_line(cli: Cli, lm_run: Path) -> None:
    code, _, err = cli("sample", str(lm_run), "--prime", "ROMEO: 3 Zé")
    _one_line(code, err, "not in the vocabulary", "'3'", "'Z'", "'é'")


@pytest.mark.parametrize("args,needle", [
    (("--temperature", "0"), "temperature"),
    (("--top-k", "-2"), "top_k"),
    (("--length", "-1"), "integer >= 0"),
    (("--prime", ""), "prime text is empty"),
])
def test_bad_options_are_one_line(cli: Cli, lm_run: Path, args: tuple[str, ...],
                                  needle: str) -> None:
    code, _, err = cli("sample", str(lm_run), *args)
    _one_line(code, err, needle)


def test_sample_needs_a_language_model_run(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("train", "birnn", "--epochs", "1", "--set", "hidden_size=8",
                       "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    (run,) = tmp_path.iterdir()
    code, _, err = cli("sample", str(run))
    _one_line(code, err, "not of a character language model")
    code, _, err = cli("sample", str(tmp_path / "nothing-here"))
    assert code == 2 and len(err.strip().splitlines()) == 1


# -- image generators -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def image_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One-epoch VAE and conditional VAE runs on digits."""
    from nnzoo.cli import main

    runs = {}
    for mid in ("vae", "cvae"):
        out = tmp_path_factory.mktemp(mid)
        code = main(["train", mid, "--epochs", "1", "--set", "iwae_k=0", "--out", str(out),
                     "--quiet"])
        assert code == 0
        (runs[mid],) = out.iterdir()
    return runs


def test_sample_writes_reproducible_image_grids(cli: Cli, image_runs: dict[str, Path],
                                                tmp_path: Path) -> None:
    run = image_runs["vae"]
    names = ("samples.png", "interpolations.png", "traversals.png")
    for folder in ("a", "b"):
        code, out, err = cli("sample", str(run), "--n", "16", "--seed", "7", "--out",
                             str(tmp_path / folder))
        assert code == 0, err
        assert out.split() == [str(tmp_path / folder / n) for n in names]
    for n in names:                                   # same seed: byte-identical files
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes()
        assert (tmp_path / "a" / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = cli("sample", str(run), "--n", "16", "--seed", "8", "--out",
                       str(tmp_path / "c"))
    assert code == 0, err
    assert (tmp_path / "c" / "samples.png").read_bytes() != (
        tmp_path / "a" / "samples.png").read_bytes()
    code, _, err = cli("sample", str(run), "--n", "4")        # default: RUN/samples
    assert code == 0, err
    assert sorted(p.name for p in (run / "samples").iterdir()) == sorted(names)


def test_conditional_model_samples_each_class_or_one(cli: Cli, image_runs: dict[str, Path],
                                                    tmp_path: Path) -> None:
    run = image_runs["cvae"]
    code, _, err = cli("sample", str(run), "--out", str(tmp_path / "all"), "--n", "20")
    assert code == 0, err
    code, _, err = cli("sample", str(run), "--out", str(tmp_path / "three"), "--label", "3")
    assert code == 0, err
    assert (tmp_path / "all" / "samples.png").read_bytes() != (
        tmp_path / "three" / "samples.png").read_bytes()
    code, _, err = cli("sample", str(run), "--label", "10")
    _one_line(code, err, "--label must be in [0, 10)")


def test_bad_image_sample_options_are_one_line(cli: Cli, image_runs: dict[str, Path]) -> None:
    code, _, err = cli("sample", str(image_runs["vae"]), "--label", "1")
    _one_line(code, err, "not a conditional model")
    code, _, err = cli("sample", str(image_runs["vae"]), "--n", "0")
    _one_line(code, err, "--n must be an integer >= 1")


def test_sample_names_what_it_needs_of_a_run(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("train", "mlp", "--epochs", "1", "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    (run,) = tmp_path.iterdir()
    code, _, err = cli("sample", str(run), "--out", str(tmp_path / "s"))
    _one_line(code, err, "not of a character language model nor of an image generator",
              "latent_dim, prior and decode")
    assert not (tmp_path / "s").exists()
