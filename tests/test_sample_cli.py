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
