"""CoNLL readers, the conlleval port on hand-checked fixtures, and the NER datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nnzoo.core.errors import InputError
from nnzoo.core.tags import ALPHABET, TOY_TAGS, WNUT17_TAGS, check_bio
from nnzoo.data.conll import (
    Sentence,
    conlleval,
    encode,
    format_report,
    parse_report,
    read_conll,
    read_conlleval_input,
    toy_ner,
    write_conlleval_input,
)

# token, gold, guess; blank line = sentence boundary. The cases: a correct two-token chunk;
# I- after another type starting a chunk (w3); I- after O at a sentence start (w6); a guessed
# chunk running past the gold one (w7); B- after B- of the same type (w9) against one guessed
# chunk; B- after I- of the same type in the guess (w11); a type change mid-chunk (w12);
# a chunk cut by the sentence boundary (w12 / w13); single-token chunks (w8, w12, w13).
FIXTURE = """\
w1 B-PER B-PER
w2 I-PER I-PER
w3 O I-LOC
w4 B-LOC I-LOC
w5 I-LOC I-LOC

w6 I-ORG I-ORG
w7 O I-ORG
w8 B-MISC B-MISC
w9 B-MISC I-MISC

w10 B-PER B-PER
w11 I-PER B-PER
w12 I-LOC I-LOC

w13 I-LOC I-LOC
w14 O O
"""
# gold chunks: PER[1-2] LOC[4-5] | ORG[6] MISC[8] MISC[9] | PER[10-11] LOC[12] | LOC[13]
# guessed:     PER[1-2] LOC[3-5] | ORG[6-7] MISC[8-9]      | PER[10] PER[11] LOC[12] | LOC[13]
# correct:     PER[1-2], LOC[12], LOC[13]; tags right: w1 w2 w5 w6 w8 w10 w12 w13 w14 = 9 / 14
EXPECTED_REPORT = """\
processed 14 tokens with 8 phrases; found: 8 phrases; correct: 3.
accuracy:  64.29%; precision:  37.50%; recall:  37.50%; FB1:  37.50
              LOC: precision:  66.67%; recall:  66.67%; FB1:  66.67  3
             MISC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1
              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1
              PER: precision:  33.33%; recall:  50.00%; FB1:  40.00  3
"""


def test_conlleval_fixture_counts(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text(FIXTURE)
    s = read_conlleval_input(path)
    assert (s.tokens, s.correct_tags) == (14, 9)
    assert dict(s.found_gold) == {"PER": 2, "LOC": 3, "ORG": 1, "MISC": 2}
    assert dict(s.found_guessed) == {"PER": 3, "LOC": 3, "ORG": 1, "MISC": 1}
    assert {k: v for k, v in s.correct.items() if v} == {"PER": 1, "LOC": 2}
    assert s.scores() == pytest.approx((3 / 8, 3 / 8, 3 / 8))
    assert s.scores("PER") == pytest.approx((1 / 3, 1 / 2, 0.4))
    assert s.scores("MISC") == (0.0, 0.0, 0.0)
    assert format_report(s) == EXPECTED_REPORT


def test_conlleval_single_tokens_and_exact_match() -> None:
    gold = [["B-A", "B-A", "O", "B-B"], ["I-A"]]
    s = conlleval(gold, gold)
    assert sum(s.found_gold.values()) == 4 and s.scores() == (1.0, 1.0, 1.0)
    # the same tags with the sentence boundary removed: I-A continues the chunk B[3]? no:
    # a type change starts a new chunk, so only the boundary differs and counts stay equal
    s2 = conlleval([gold[0] + gold[1]], [gold[0] + gold[1]])
    assert sum(s2.found_gold.values()) == 4
    # I-A after B-A across a boundary: two chunks; without the boundary: one
    assert sum(conlleval([["B-A"], ["I-A"]], [["B-A"], ["I-A"]]).found_gold.values()) == 2
    assert sum(conlleval([["B-A", "I-A"]], [["B-A", "I-A"]]).found_gold.values()) == 1


def test_report_round_trip_and_input_writer(tmp_path: Path) -> None:
    parsed = parse_report(EXPECTED_REPORT)
    assert parsed["tokens"] == 14 and parsed["correct"] == 3 and parsed["found_gold"] == 8
    assert parsed["f1"] == 37.5 and parsed["per_type"]["PER"] == {
        "precision": 33.33, "recall": 50.0, "f1": 40.0, "found_guessed": 3}
    with pytest.raises(InputError, match="not conlleval output"):
        parse_report("hello\n")
    toks = [["a", "b"], ["c"]]
    gold, guess = [["B-X", "I-X"], ["O"]], [["B-X", "O"], ["B-Y"]]
    p = write_conlleval_input(tmp_path / "in.txt", toks, gold, guess)
    assert p.read_text() == "a B-X B-X\nb I-X O\n\nc O B-Y\n\n"
    assert read_conlleval_input(p).to_dict() == conlleval(gold, guess).to_dict()
    with pytest.raises(InputError, match="sentence 0"):
        write_conlleval_input(tmp_path / "x.txt", [["a"]], [["O", "O"]], [["O"]])


def test_read_conll2003_layout(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text("-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n\n"
                    "Peter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n")
    sents = read_conll(path, "conll2003")
    assert [s.tokens for s in sents] == [["EU", "rejects"], ["Peter", "Blackburn"]]
    assert sents[0].tags == ["B-ORG", "O"] and sents[0].columns[0] == ("NNP", "B-NP")


def test_read_wnut_layout_quirks(tmp_path: Path) -> None:
    path = tmp_path / "w.conll"
    path.write_bytes("\ufeff@paul\tO\nLondon\tB-location\n\t\nDubbz\ufeff\tB-person\r\n\n"
                     .encode())
    sents = read_conll(path, "wnut17")
    assert [s.tokens for s in sents] == [["@paul", "London"], ["Dubbz\ufeff"]]
    assert sents[1].tags == ["B-person"]


def test_malformed_lines_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.conll"
    path.write_text("a\tO\nb\tO\textra\n")
    with pytest.raises(InputError, match=r"bad\.conll:2: expected 2"):
        read_conll(path)
    path.write_text("a O\n\nword\n")
    with pytest.raises(InputError, match=r"bad\.conll:3"):
        read_conll(path, "wnut17")
    path.write_bytes(b"a\tO\n\xff\xfe\tO\n")
    with pytest.raises(InputError, match=r"bad\.conll:2: not valid utf-8"):
        read_conll(path)
    with pytest.raises(InputError, match="does not exist"):
        read_conll(tmp_path / "missing.conll")


def test_encode_layout_and_errors() -> None:
    words = ["<pad>", "<unk>", "london", "is"]
    X, y = encode([Sentence(["London", "is", "big"], ["B-LOC", "O", "O"])], words, TOY_TAGS,
                  max_len=5, max_chars=4)
    assert X.shape == (1, 5, 5) and y.shape == (1, 5)
    assert X[0, :, 0].tolist() == [2, 3, 1, 0, 0]
    assert X[0, 0, 1:].tolist() == [2 + ALPHABET.index(c) for c in "Lond"]      # cut at 4
    assert X[0, 1, 1:].tolist() == [2 + ALPHABET.index("i"), 2 + ALPHABET.index("s"), 0, 0]
    assert y[0].tolist() == [3, 0, 0, -100, -100]
    with pytest.raises(InputError, match="empty"):
        encode([Sentence([], [])], words, TOY_TAGS, max_len=5, max_chars=4)
    with pytest.raises(InputError, match="3 tokens but 2 tags"):
        encode([Sentence(["a", "b", "c"], ["O", "O"])], words, TOY_TAGS, max_len=5,
               max_chars=4)
    with pytest.raises(InputError, match="not in the tag set"):
        encode([Sentence(["a"], ["B-MISC"])], words, TOY_TAGS, max_len=5, max_chars=4)
    with pytest.raises(InputError, match="more than max_len"):
        encode([Sentence(["a"] * 6, ["O"] * 6)], words, TOY_TAGS, max_len=5, max_chars=4)
    with pytest.raises(InputError, match="not a BIO tag"):
        check_bio(["O", "S-PER"])
    check_bio(WNUT17_TAGS)


def test_toy_ner_is_seeded_and_consistent() -> None:
    a, b, c = toy_ner(seed=1), toy_ner(seed=1), toy_ner(seed=2)
    assert torch.equal(a.train.X, b.train.X) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.train.y, c.train.y)
    assert a.task == "sequence" and a.n_classes == len(TOY_TAGS) and a.classes == TOY_TAGS
    assert a.meta["vocab_size"] == len(a.meta["words"]) and a.meta["chars"] == ALPHABET
    tok = a.train.X[..., 0] != 0
    assert torch.equal(tok, a.train.y != -100)
    assert int(a.train.y.max()) < len(TOY_TAGS)


@pytest.mark.slow
def test_wnut17_matches_the_published_counts() -> None:
    """Sentences, tokens and entities of the three official files (SOURCE.md, HF wnut_17)."""
    import os

    from nnzoo.data import load_dataset
    from nnzoo.data.conll import decode_tags

    if not os.environ.get("NNZOO_DATA"):
        pytest.skip("needs NNZOO_DATA")
    s = load_dataset("wnut17")
    assert s.sizes == {"train": 3394, "val": 1009, "test": 1287}
    counts = []
    for part in (s.train, s.val, s.test):
        g = decode_tags(part.y, WNUT17_TAGS)
        sc = conlleval(g, g)
        counts.append((sc.tokens, sum(sc.found_gold.values())))
    assert counts == [(62730, 1975), (15733, 836), (23394, 1079)]
