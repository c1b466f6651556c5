"""Tests of the architecture catalog: data integrity, lookup, search and lineage views."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest

from nnzoo.catalog import (
    CATEGORIES,
    FAMILIES,
    PARADIGMS,
    Catalog,
    Entry,
    load_catalog,
    parse_catalog,
)
from nnzoo.core.errors import UnknownNameError

_REQUIRED_LINES = (
    "perceptron mlp rbf-net hopfield markov-chain bm rbm ae sae vae dae dbn cnn deconvnet",
    "dcign gan",
    "rnn lstm gru ntm birnn bilstm bigru resnet esn elm lsm svm som capsnet",
    "memnn memn2n dmn dmn-plus dnc",
    "alexnet vgg googlenet densenet senet rcnn fast-rcnn faster-rcnn mask-rcnn yolo ssd rfcn",
    "fcn deconvnet-seg deeplab unet srcnn fsrcnn vdsr drcn lapsrn edsr memnet-sr wavenet",
    "seq2seq bahdanau-attention luong-attention act dcn dcn-plus",
    "transformer gpt gpt-2 gpt-3 bert igpt vit deit dalle clip",
    "made nade pixelrnn pixelcnn pixelcnn-pp cvae aae avb vq-vae",
    "cgan dcgan infogan ebgan acgan wgan began wgan-gp triple-gan pix2pix cyclegan ppgn stackgan",
    "em-capsules dqn double-dqn dueling-dqn deep-sarsa cem ddpg naf a3c darla acktr c51",
    "knn softmax-regression pca tsne crf conv-rbm bilstm-crf text-cnn",
    "nram ham neural-gpu neural-programmer nmn",
)
REQUIRED_IDS = [ident for line in _REQUIRED_LINES for ident in line.split()]

# arXiv ids the brief fixes for particular entries (a sample, including the chart's errors).
ARXIV = {
    "vae": "1312.6114",
    "dcign": "1503.03167",
    "gan": "1406.2661",
    "gru": "1406.1078",
    "ntm": "1410.5401",
    "resnet": "1512.03385",
    "capsnet": "1710.09829",
    "memnn": "1410.3916",
    "memn2n": "1503.08895",
    "dmn": "1506.07285",
    "dmn-plus": "1603.01417",
    "nram": "1511.06392",
    "ham": "1602.03218",
    "neural-gpu": "1511.08228",
    "neural-programmer": "1511.04834",
    "nmn": "1511.02799",
    "infogan": "1606.03657",
    "pixelcnn-pp": "1701.05517",
    "pixelcnn": "1606.05328",
    "dcn": "1611.01604",
    "dcn-plus": "1711.00106",
    "act": "1603.08983",
    "transformer": "1706.03762",
    "bert": "1810.04805",
    "vit": "2010.11929",
    "wgan-gp": "1704.00028",
    "wgan": "1701.07875",
    "dqn": "1312.5602",
    "bilstm-crf": "1508.01991",
    "text-cnn": "1408.5882",
    "deconvnet-seg": "1505.04366",
    "memnet-sr": "1708.02209",
    "c51": "1707.06887",
    "muse": "1710.04087",
    "dtn": "1611.02200",
}


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def raw_catalog() -> dict:
    text = resources.files("nnzoo.catalog").joinpath("catalog.json").read_text("utf-8")
    return json.loads(text)


# ------------------------------------------------------------------ data integrity
def test_size_and_required_ids(cat: Catalog) -> None:
    assert len(cat) >= 110
    missing = [i for i in REQUIRED_IDS if i not in cat.entries]
    assert not missing, missing


def test_load_is_cached(cat: Catalog) -> None:
    assert load_catalog() is cat


def test_fields_are_valid(cat: Catalog) -> None:
    for e in cat:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", e.id)
        assert e.family in FAMILIES and e.paradigm in PARADIGMS
        assert e.categories and set(e.categories) <= CATEGORIES
        assert 1800 <= e.year <= 2030
        assert e.paper.url.startswith("https://") and e.paper.title
        assert 1 <= len(e.paper.authors) <= 3
        assert all(r.repo.startswith("https://github.com/") for r in e.references)
        assert e.summary.strip() and e.name.strip()
        if "arxiv.org" in e.paper.url:
            assert re.fullmatch(r"https://arxiv\.org/abs/\d{4}\.\d{4,5}", e.paper.url), e.id


def test_ids_and_aliases_unique(cat: Catalog) -> None:
    names = [e.id for e in cat] + [a for e in cat for a in e.aliases]
    assert len(names) == len(set(names))
    assert all(a == a.lower() for e in cat for a in e.aliases)


def test_arxiv_ids(cat: Catalog) -> None:
    for ident, arxiv in ARXIV.items():
        assert cat.get(ident).paper.url == f"https://arxiv.org/abs/{arxiv}", ident


def test_known_chart_errors_fixed(cat: Catalog) -> None:
    assert "1606.03657" in cat.get("infogan").paper.url
    assert cat.get("infogan").year == 2016
    assert "1701.05517" in cat.get("pixelcnn-pp").paper.url
    assert "1711.00106" in cat.get("dcn-plus").paper.url
    assert "1603.01417" in cat.get("dmn-plus").paper.url
    for plus, base in [("pixelcnn-pp", "pixelcnn"), ("dcn-plus", "dcn"), ("dmn-plus", "dmn")]:
        assert cat.get(plus).paper.url != cat.get(base).paper.url
        assert base in cat.get(plus).parents
    assert cat.get("act").year == 2016 and cat.get("act").paper.authors == ("Alex Graves",)
    assert cat.get("dcn").year == 2016 and cat.get("dcn").paper.authors[0] == "Caiming Xiong"
    gru = cat.get("gru")
    assert "1406.1078" in gru.paper.url and gru.paper.authors[0] == "Kyunghyun Cho"
    assert gru.year == 2014


def test_classic_years_and_dois(cat: Catalog) -> None:
    expect = {
        "perceptron": 1958,
        "mlp": 1986,
        "rbf-net": 1988,
        "hopfield": 1982,
        "bm": 1985,
        "rbm": 1986,
        "dbn": 2006,
        "cnn": 1998,
        "rnn": 1990,
        "lstm": 1997,
        "birnn": 1997,
        "bilstm": 2005,
        "esn": 2001,
        "elm": 2006,
        "lsm": 2002,
        "svm": 1995,
        "som": 1982,
        "knn": 1967,
        "pca": 1901,
        "tsne": 2008,
        "crf": 2001,
        "conv-rbm": 2009,
        "dnc": 2016,
        "nade": 2011,
        "dae": 2008,
        "deconvnet": 2010,
        "em-capsules": 2018,
    }
    for ident, year in expect.items():
        assert cat.get(ident).year == year, ident
    assert cat.get("lstm").paper.url == "https://doi.org/10.1162/neco.1997.9.8.1735"
    assert cat.get("elm").paper.url == "https://doi.org/10.1016/j.neucom.2005.12.126"
    assert cat.get("dnc").paper.url == "https://doi.org/10.1038/nature20101"
    assert "HJWLfGWRb" in cat.get("em-capsules").paper.url


def test_zoo_chart_entries(cat: Catalog) -> None:
    zoo = {e.id for e in cat if e.zoo_chart}
    for ident in [
        "perceptron",
        "mlp",
        "rbf-net",
        "hopfield",
        "markov-chain",
        "bm",
        "rbm",
        "ae",
        "vae",
        "dae",
        "sae",
        "dbn",
        "cnn",
        "deconvnet",
        "dcign",
        "gan",
        "rnn",
        "lstm",
        "gru",
        "ntm",
        "resnet",
        "esn",
        "elm",
        "lsm",
        "som",
        "capsnet",
    ]:
        assert ident in zoo, ident


def test_reference_implementations(cat: Catalog) -> None:
    mlp_refs = {r.repo for r in cat.get("mlp").references}
    assert "https://github.com/mnielsen/neural-networks-and-deep-learning" in mlp_refs
    assert "https://github.com/danijar/layered" in mlp_refs
    assert sum(1 for e in cat if e.references) >= 60


def test_to_dict_round_trips(cat: Catalog) -> None:
    raw = raw_catalog()
    assert [e.to_dict() for e in cat] == raw["entries"]
    assert Entry.from_dict(cat.get("lstm").to_dict()) == cat.get("lstm")
    json.dumps(cat.to_list())


# ------------------------------------------------------------------ lookup
def test_aliases_resolve(cat: Catalog) -> None:
    assert cat.resolve("ff") == "mlp"
    assert cat.resolve("feed-forward") == "mlp"
    assert cat.resolve("kohonen") == "som"
    assert cat.resolve("lenet") == "cnn"
    assert cat.resolve("LSTM") == "lstm"
    assert cat.get("  Pixelcnn++ ").id == "pixelcnn-pp"
    assert "KOHONEN" in cat and "nope" not in cat


def test_unknown_suggests_closest(cat: Catalog) -> None:
    with pytest.raises(UnknownNameError) as info:
        cat.get("lstn")
    assert "'lstm'" in str(info.value)
    assert isinstance(info.value, KeyError)
    with pytest.raises(UnknownNameError):
        cat.children("no-such-model")


# ------------------------------------------------------------------ search
def test_search_glob_and_substring(cat: Catalog) -> None:
    ids = {e.id for e in cat.search("*boltzmann*")}
    assert {"bm", "rbm"} <= ids
    assert {e.id for e in cat.search("boltzmann")} >= {"bm", "rbm"}
    assert [e.id for e in cat.search("LSTM")][:1] == ["lstm"]
    assert {e.id for e in cat.search("wgan*")} == {"wgan", "wgan-gp"}
    assert cat.search("zzz-nothing") == []
    assert len(cat.search()) == len(cat)


def test_search_filters(cat: Catalog) -> None:
    rec = cat.search(family="Recurrent")
    assert rec and all(e.family == "recurrent" for e in rec)
    assert {"lstm", "gru", "rnn"} <= {e.id for e in rec}
    vision = cat.search(category="vision")
    assert {"cnn", "resnet", "unet"} <= {e.id for e in vision}
    torch_refs = cat.search(framework="PyTorch")
    assert torch_refs and all(
        any(r.framework == "pytorch" for r in e.references) for e in torch_refs
    )
    assert "wgan" in {e.id for e in torch_refs}
    both = cat.search("*gan*", family="generative-adversarial", framework="pytorch")
    assert both and all(e.family == "generative-adversarial" for e in both)
    assert [e.id for e in cat.search(ids={"mlp", "som"})] == ["mlp", "som"]
    assert [e.id for e in cat.search("ko*", ids={"som"})] == ["som"]


# ------------------------------------------------------------------ lineage
def brute_closure(parents: dict[str, tuple[str, ...]], start: str) -> set[str]:
    out: set[str] = set()
    frontier = set(parents[start])
    while frontier:
        out |= frontier
        frontier = {p for f in frontier for p in parents[f]} - out
    return out


def test_lineage_consistent_with_parents(cat: Catalog) -> None:
    parents = {e.id: e.parents for e in cat}
    for ident in cat.entries:
        anc = brute_closure(parents, ident)
        assert ident not in anc, f"cycle through {ident}"
        got = cat.ancestors(ident)
        assert {e.id for e in got} == anc
        assert [(e.year, e.id) for e in got] == sorted((e.year, e.id) for e in got)
        desc = {d for d in cat.entries if ident in brute_closure(parents, d)}
        got_d = cat.descendants(ident)
        assert {e.id for e in got_d} == desc
        assert [(e.year, e.id) for e in got_d] == sorted((e.year, e.id) for e in got_d)
        assert {e.id for e in cat.children(ident)} == {
            d for d in cat.entries if ident in parents[d]
        }
        assert [e.id for e in cat.parents(ident)] == list(parents[ident])


def test_required_lineage_edges(cat: Catalog) -> None:
    edges = [
        ("perceptron", "mlp"),
        ("mlp", "cnn"),
        ("vgg", "resnet"),
        ("rnn", "lstm"),
        ("lstm", "gru"),
        ("lstm", "bilstm"),
        ("birnn", "bilstm"),
        ("bm", "rbm"),
        ("hopfield", "bm"),
        ("rbm", "dbn"),
        ("ae", "vae"),
        ("gan", "dcgan"),
        ("cnn", "dcgan"),
        ("wgan", "wgan-gp"),
        ("pixelcnn", "pixelcnn-pp"),
        ("dmn", "dmn-plus"),
        ("dcn", "dcn-plus"),
        ("bahdanau-attention", "transformer"),
        ("transformer", "bert"),
        ("transformer", "vit"),
        ("vit", "deit"),
    ]
    for parent, child in edges:
        assert parent in cat.get(child).parents, (parent, child)


def test_most_entries_have_parents(cat: Catalog) -> None:
    roots = {e.id for e in cat.roots()}
    assert "perceptron" in roots and "markov-chain" in roots
    assert len(roots) <= 12, roots


def test_lineage_text(cat: Catalog) -> None:
    whole = cat.lineage_text()
    for ident in cat.entries:
        assert re.search(rf"(^|[ `|-]){re.escape(ident)} ", whole, re.M), ident
    assert whole.startswith("pca - ")  # roots first, oldest first
    sub = cat.lineage_text("gru")
    assert sub.splitlines()[0].startswith("Lineage of gru")
    assert "gru - Gated recurrent unit (2014)  <==" in sub
    assert "perceptron" in sub and "lstm" in sub and "transformer" in sub
    assert "svm" not in sub and "som -" not in sub
    assert "  (see above)" not in sub


def test_mermaid_output(cat: Catalog) -> None:
    for root in (None, "lstm", "dcn-plus"):
        text = cat.to_mermaid(root, highlight={"lstm", "ff"} if root is None else ())
        lines = text.strip().splitlines()
        assert lines[0] == "graph TD"
        declared = set()
        edges = []
        for line in lines[1:]:
            s = line.strip()
            m = re.fullmatch(r'([A-Za-z0-9_]+)\["[^"]*"\]', s)
            if m:
                declared.add(m.group(1))
                continue
            if "-->" in s:
                m = re.fullmatch(r"([A-Za-z0-9_]+) --> ([A-Za-z0-9_]+)", s)
                assert m, s
                edges.append((m.group(1), m.group(2)))
                continue
            assert s.startswith(("classDef ", "class ")), s
        assert edges
        assert {n for e in edges for n in e} <= declared
        shown = cat.subgraph_ids(root)
        assert len(declared) == len(shown)
    whole = cat.to_mermaid(highlight={"lstm", "ff"})
    assert "class lstm,mlp highlight" in whole or "class mlp,lstm highlight" in whole
    assert "dcn_plus" in cat.to_mermaid("dcn-plus")


def test_dot_output(cat: Catalog) -> None:
    text = cat.to_dot(highlight={"lstm"})
    assert text.startswith("digraph nnzoo {")
    assert text.count("{") == text.count("}")
    edges = [ln.strip() for ln in text.splitlines() if "->" in ln]
    assert len(edges) == sum(len(e.parents) for e in cat)
    for edge in edges:
        m = re.fullmatch(r'"([a-z0-9-]+)" -> "([a-z0-9-]+)";', edge)
        assert m and m.group(1) in cat.entries and m.group(2) in cat.entries, edge
    assert '"lstm" [label="Long short-term memory\\n(1997)", style="rounded,filled"' in text
    sub = cat.to_dot("wgan-gp")
    assert '"wgan" -> "wgan-gp";' in sub and '"lstm"' not in sub


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' not installed")
def test_dot_accepted_by_graphviz(cat: Catalog) -> None:
    for root in (None, "resnet"):
        done = subprocess.run(
            ["dot", "-Tsvg"],
            input=cat.to_dot(root, highlight={"cnn"}),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "<svg" in done.stdout


# ------------------------------------------------------------------ chronology
def test_parents_precede_children_to_the_month(cat: Catalog) -> None:
    """A parent's paper never comes after its child's: by year, and by month wherever both
    are known; a parent and child of the same year always carry both months."""
    checked_months = 0
    for child in cat:
        for parent in cat.parents(child.id):
            assert parent.year <= child.year, (parent.id, child.id)
            if parent.year == child.year:
                assert parent.month is not None and child.month is not None, (parent.id,
                                                                              child.id)
            if parent.month is not None and child.month is not None:
                checked_months += 1
                assert (parent.year, parent.month) <= (child.year, child.month), (parent.id,
                                                                                  child.id)
    assert checked_months >= 20


def test_months_are_those_of_the_arxiv_identifiers(cat: Catalog) -> None:
    """An arXiv paper's month is the identifier's YYMM (the month arXiv first listed it);
    one whose identifier is from another year than the entry carries no month."""
    with_month = 0
    for e in cat:
        m = re.fullmatch(r"https://arxiv\.org/abs/(\d\d)(\d\d)\.\d{4,5}", e.paper.url)
        if m is None:
            continue
        if 2000 + int(m.group(1)) == e.year:
            assert e.month == int(m.group(2)), e.id
            with_month += 1
        else:
            assert e.month is None, e.id
    assert with_month >= 90
    assert (cat.get("gpt").month, cat.get("beta-vae").month) == (6, 4)   # release, ICLR


def test_dynamic_cnn_lineage_and_markov_citation(cat: Catalog) -> None:
    dcnn, kim = cat.get("dynamic-cnn"), cat.get("text-cnn")
    assert (dcnn.year, dcnn.month) == (2014, 4) and (kim.year, kim.month) == (2014, 8)
    assert "text-cnn" not in dcnn.parents and "dynamic-cnn" not in kim.parents
    assert "cnn" in dcnn.parents
    mc = cat.get("markov-chain")
    assert mc.year == 1906 and mc.paper.authors == ("A. A. Markov",)
    assert mc.paper.title.startswith("Rasprostranenie zakona bol'shih chisel na velichiny")
    assert mc.paper.venue == ("Izvestiya Fiziko-matematicheskogo obschestva pri Kazanskom "
                              "universitete, 2nd series, vol. 15, pp. 135-156")


# ------------------------------------------------------------------ validation errors
def _entry(entries: list[dict], ident: str) -> dict:
    return next(e for e in entries if e["id"] == ident)


def entries_with(mutate) -> dict:
    raw = copy.deepcopy(raw_catalog())
    mutate(raw["entries"])
    return raw


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda es: es.append(copy.deepcopy(es[0])), "duplicate id"),
        (lambda es: es[1]["aliases"].append(es[0]["id"]), "clashes"),
        (lambda es: es[2]["aliases"].append(es[1]["aliases"][0]), "clashes"),
        (lambda es: es[1]["parents"].append("nonexistent"), "unknown parent"),
        (lambda es: es[0]["parents"].append("mlp"), "cycle"),
        (lambda es: es[0].update(year=1700), "year"),
        (lambda es: es[0].update(year="1958"), "wrong type"),
        (lambda es: es[0]["paper"].update(url="http://example.org"), "https://"),
        (lambda es: es[0].update(family="magic"), "unknown family"),
        (lambda es: es[0].update(categories=["poetry"]), "unknown categories"),
        (lambda es: es[0].update(paradigm="osmosis"), "unknown paradigm"),
        (lambda es: es[0].pop("summary"), "missing key"),
        (lambda es: es[0].update(id="Bad_Id"), "id must match"),
        (lambda es: es[0].update(month=13), "month must be an integer from 1 to 12"),
        (lambda es: es[0].update(month=0), "month must be an integer from 1 to 12"),
        (lambda es: es[0].update(month="6"), "month must be an integer from 1 to 12"),
        (lambda es: es[0].update(month=True), "month must be an integer from 1 to 12"),
        (lambda es: es[0]["paper"].update(venue=""), "venue"),
        (lambda es: _entry(es, "dynamic-cnn")["parents"].append("text-cnn"),
         "'dynamic-cnn': parent 'text-cnn' is from 2014-08, after 2014-04"),
        (lambda es: _entry(es, "gru").pop("month"), "'bigru': parent 'gru' shares the year"),
        (lambda es: _entry(es, "cnn")["parents"].append("gan"), "'cnn': parent 'gan' is from "
         "2014, after 1998"),
    ],
)
def test_validation_names_bad_entry(mutate, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        parse_catalog(entries_with(mutate))
    assert "catalog entry" in str(info.value)
    assert not isinstance(info.value, UnknownNameError)


def test_validation_rejects_bad_top_level() -> None:
    with pytest.raises(ValueError):
        parse_catalog({"version": 2, "entries": []})
    with pytest.raises(ValueError):
        parse_catalog({"version": 1, "entries": {}})


# -- the featured implementations and the entries added with them ------------------------------
FEATURED_STARS = {  # repo -> (catalog ids, framework, 2018 stars)
    "https://github.com/magenta/magenta": (("melody-rnn",), "tensorflow", 10164),
    "https://github.com/matterport/Mask_RCNN": (("mask-rcnn",), "keras", 6104),
    "https://github.com/ibab/tensorflow-wavenet": (("wavenet",), "tensorflow", 3692),
    "https://github.com/dennybritz/cnn-text-classification-tf": (("text-cnn",), "tensorflow",
                                                                 3416),
    "https://github.com/carpedm20/DCGAN-tensorflow": (("dcgan",), "tensorflow", 4263),
    "https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix": (("pix2pix", "cyclegan"),
                                                                "pytorch", 4242),
    "https://github.com/keras-rl/keras-rl": (("dqn",), "keras", 2639),
    "https://github.com/devsisters/DQN-tensorflow": (("dqn",), "tensorflow", 1610),
    "https://github.com/facebookresearch/MUSE": (("muse",), "pytorch", 1298),
    "https://github.com/yunjey/domain-transfer-network": (("dtn",), "tensorflow", 654),
}


def test_new_entries(cat: Catalog) -> None:
    melody, muse, dtn = cat.get("magenta"), cat.get("muse"), cat.get("domain-transfer-network")
    assert melody.id == "melody-rnn" and (melody.year, melody.month) == (2016, 7)
    assert melody.paper.url == "https://magenta.tensorflow.org/2016/07/15/lookback-rnn-attention-rnn"
    assert melody.paper.authors == ("Elliot Waite",) and "lstm" in melody.parents
    assert muse.paper.url == "https://arxiv.org/abs/1710.04087" and (muse.year, muse.month) == (
        2017, 10)
    assert muse.paper.title == "Word Translation Without Parallel Data"
    assert muse.paper.authors[:2] == ("Alexis Conneau", "Guillaume Lample")
    assert dtn.paper.url == "https://arxiv.org/abs/1611.02200" and (dtn.year, dtn.month) == (
        2016, 11)
    assert dtn.paper.title == "Unsupervised Cross-Domain Image Generation"
    assert dtn.paper.authors == ("Yaniv Taigman", "Adam Polyak", "Lior Wolf")
    assert "gan" in dtn.parents and "gan" in muse.parents and "word2vec" in muse.parents
    nplm = cat.get("bengio-lm")
    assert nplm.id == "nplm" and (nplm.year, nplm.month) == (2003, 2)
    assert nplm.paper.url == "https://jmlr.org/papers/v3/bengio03a.html"
    assert nplm.paper.title == "A Neural Probabilistic Language Model"
    assert nplm.paper.authors == ("Yoshua Bengio", "R\u00e9jean Ducharme", "Pascal Vincent")
    assert len(cat) == 149


def test_featured_implementations_carry_the_quoted_stars(cat: Catalog) -> None:
    featured = cat.featured()
    assert [f.reference.repo for f in featured] == sorted(
        FEATURED_STARS, key=lambda r: -FEATURED_STARS[r][2])
    for f in featured:
        ids, framework, stars = FEATURED_STARS[f.reference.repo]
        assert f.ids == ids and f.reference.framework == framework
        assert (f.reference.stars, f.reference.stars_date) == (stars, "2018")
        assert "2018" in (f.reference.stars_source or "")
        for ident in ids:
            assert f.reference in cat.get(ident).references
    starred = [(e.id, r.repo) for e in cat for r in e.references if r.stars is not None]
    assert len(starred) == 11  # the shared CycleGAN/pix2pix repository on both entries


def _ref_entry(**ref: object) -> dict:
    raw = copy.deepcopy(_entry(raw_catalog()["entries"], "dqn"))
    raw["references"] = [{"repo": "https://github.com/a/b", "framework": "pytorch", **ref}]
    return raw


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"stars": 5}, "stars, stars_date and stars_source together"),
        ({"stars": -1, "stars_date": "2018", "stars_source": "x"}, "integer >= 0"),
        ({"stars": True, "stars_date": "2018", "stars_source": "x"}, "integer >= 0"),
        ({"stars": 5, "stars_date": "2018-13", "stars_source": "x"}, "ISO date"),
        ({"stars": 5, "stars_date": "2018-02-30", "stars_source": "x"}, "ISO date"),
        ({"stars": 5, "stars_date": "18", "stars_source": "x"}, "ISO date"),
        ({"stars": 5, "stars_date": "2018", "stars_source": " "}, "stars_source"),
        ({"featured": "yes"}, "featured must be true or false"),
        ({"forks": 3}, "unknown keys"),
        ({"repo": "http://github.com/a/b"}, "https:// URL"),
        ({"repo": "https://"}, "https:// URL"),
    ],
)
def test_reference_validation(ref: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Entry.from_dict(_ref_entry(**ref))


def test_reference_snapshot_round_trips() -> None:
    for date in ("2018", "2018-06", "2018-06-30"):
        raw = _ref_entry(stars=7, stars_date=date, stars_source="GitHub API", featured=True)
        entry = Entry.from_dict(raw)
        assert entry.references[0].stars == 7 and entry.references[0].featured
        assert entry.to_dict() == raw
    plain = _ref_entry()
    assert Entry.from_dict(plain).to_dict() == plain  # no snapshot, not featured: no keys
    twice = _ref_entry()
    twice["references"] *= 2
    with pytest.raises(ValueError, match="listed twice"):
        Entry.from_dict(twice)


def test_catalog_problems_lists_every_problem(cat: Catalog) -> None:
    from nnzoo.catalog import catalog_problems

    a = Entry.from_dict({**_entry(raw_catalog()["entries"], "gru"), "id": "gru-a",
                         "aliases": [], "parents": ["nope"]})
    b = Entry.from_dict({**_entry(raw_catalog()["entries"], "cnn"), "id": "cnn-b",
                         "aliases": ["ff"], "parents": ["gan"]})
    found = list(catalog_problems([*cat, a, b]))
    assert found == [
        "catalog entry 'cnn-b': alias 'ff' clashes with an alias of 'mlp'",
        "catalog entry 'gru-a': unknown parent 'nope'",
        "catalog entry 'cnn-b': parent 'gan' is from 2014, after 1998",
    ]
    assert list(catalog_problems(cat)) == []


# ------------------------------------------------------------------ dated changes
def raw_changes() -> dict:
    text = resources.files("nnzoo.catalog").joinpath("changes.json").read_text("utf-8")
    return json.loads(text)


def test_changes_load_newest_first(cat: Catalog) -> None:
    import dataclasses
    import datetime

    from nnzoo.catalog import Change, load_changes

    changes = load_changes()
    assert len(changes) == len(raw_changes()["changes"]) >= 20
    assert all(isinstance(c, Change) and isinstance(c.date, datetime.date) for c in changes)
    assert [c.date for c in changes] == sorted((c.date for c in changes), reverse=True)
    assert all(c.ids and set(c.ids) <= set(cat.entries) for c in changes)
    assert len({c.anchor for c in changes}) == len(changes)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d-[a-z0-9-]+", c.anchor) for c in changes)
    implemented_somewhere = {i for c in changes for i in c.ids}
    assert {"lstm", "svm", "melody-rnn", "muse", "dtn"} <= implemented_somewhere
    with pytest.raises(dataclasses.FrozenInstanceError):
        changes[0].title = "x"  # type: ignore[misc]
    assert load_changes() == changes and load_changes() is not changes


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.update(date="2026-13-01"), "YYYY-MM-DD"),
        (lambda c: c.update(date="2026-1-1"), "YYYY-MM-DD"),
        (lambda c: c.update(ids=["no-such-model"]), "not in the catalog"),
        (lambda c: c.update(ids=[]), "non-empty list"),
        (lambda c: c.update(title=""), "'title'"),
        (lambda c: c.pop("source"), "'source'"),
        (lambda c: c.update(source={"added": "x", "commit": "y"}), "'source'"),
        (lambda c: c.update(extra=1), "unknown keys"),
    ],
)
def test_changes_validation(mutate, message: str) -> None:
    from nnzoo.catalog.changes import parse_changes

    raw = copy.deepcopy(raw_changes())
    mutate(raw["changes"][3])
    with pytest.raises(ValueError, match=message) as info:
        parse_changes(raw)
    assert "change #4" in str(info.value)
    with pytest.raises(ValueError, match="version"):
        parse_changes({"version": 2, "changes": []})


def _git(*args: str) -> list[str]:
    done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _full_checkout() -> bool:
    root = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (root / ".git").exists():
        return False
    done = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=root,
                          capture_output=True, text=True, timeout=60)
    return done.returncode == 0 and done.stdout.strip() == "false"


@pytest.mark.skipif(not _full_checkout(), reason="needs a full git checkout of nnzoo")
def test_change_dates_are_those_of_the_git_history() -> None:
    """Every date is recomputed from its source: the first commit adding a file, a commit,
    or the oldest commit whose diff adds a text."""
    for item in raw_changes()["changes"]:
        src = item["source"]
        if "added" in src:
            dates = _git("log", "--follow", "--diff-filter=A", "--format=%as", "--",
                         src["added"])
        elif "commit" in src:
            dates = _git("show", "-s", "--format=%as", src["commit"])
        else:
            dates = _git("log", "--format=%as", "-S", src["first"], "--", src["path"])
        assert dates, item["title"]
        assert item["date"] == dates[-1], item["title"]


# ------------------------------------------------------------------ nnzoo catalog check
GOOD = {
    "id": "toy-net", "name": "Toy network", "abbreviation": "TN", "aliases": ["toynet"],
    "year": 2019, "month": 3,
    "paper": {"title": "A toy", "authors": ["A. Person"], "url": "https://example.org/toy"},
    "family": "recurrent", "categories": ["sequence"], "paradigm": "supervised",
    "parents": ["lstm"],
    "references": [{"repo": "https://github.com/a/toy", "framework": "pytorch", "stars": 3,
                    "stars_date": "2025-01-02", "stars_source": "GitHub API"}],
    "zoo_chart": False, "summary": "A toy.",
}


def _check(tmp_path, capsys, data, name: str = "entry.json") -> tuple[int, list[str]]:
    from nnzoo.cli import main

    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    code = main(["catalog", "check", str(path)])
    out = capsys.readouterr().out
    return code, [line.removeprefix(f"{path}: ") for line in out.splitlines()]


def test_check_accepts_good_entries(tmp_path, capsys) -> None:
    code, lines = _check(tmp_path, capsys, GOOD)
    assert code == 0 and lines == ["1 entry fine (toy-net), checked against the catalog"]
    child = {**GOOD, "id": "toy-child", "aliases": [], "year": 2020, "parents": ["toy-net"]}
    code, lines = _check(tmp_path, capsys, [GOOD, child])
    assert code == 0 and lines[0].startswith("2 entries fine (toy-net, toy-child)")
    code, lines = _check(tmp_path, capsys, raw_catalog())
    assert code == 0 and lines[0].startswith("149 entries fine (perceptron, mlp,")
    assert lines[0].endswith("and 141 more), checked on its own")


def test_check_reports_one_line_per_problem(tmp_path, capsys) -> None:
    bad = [
        {**GOOD, "id": "Bad_Id"},
        {**GOOD, "id": "lstm", "parents": ["rnn"]},                # taken
        {**GOOD, "id": "toy-2", "aliases": ["kohonen"]},          # alias of som
        {**GOOD, "id": "toy-3", "aliases": [], "parents": ["nope"]},
        {**GOOD, "id": "toy-4", "aliases": [], "year": 1990, "month": None},  # before lstm
        {**GOOD, "id": "toy-5", "aliases": [],
         "paper": {**GOOD["paper"], "url": "ftp://example.org/x"}},
        {k: v for k, v in GOOD.items() if k != "summary"} | {"id": "toy-6", "aliases": []},
        {**GOOD, "id": "toy-7", "aliases": [], "year": "2019"},
        {**GOOD, "id": "toy-8", "aliases": [], "parents": ["Bad_Id"]},  # its parent failed
    ]
    code, lines = _check(tmp_path, capsys, bad)
    assert code == 1
    assert lines == [
        "entry #1: catalog entry 'Bad_Id': id must match [a-z0-9]+(-[a-z0-9]+)*",
        "entry #6: catalog entry 'toy-5': paper.url must be an https:// URL with a host, got "
        "'ftp://example.org/x'",
        "entry #7: catalog entry 'toy-6': missing key 'summary'",
        "entry #8: catalog entry 'toy-7': 'year' has the wrong type (str)",
        "catalog entry 'lstm': duplicate id",
        "catalog entry 'toy-2': alias 'kohonen' clashes with an alias of 'som'",
        "catalog entry 'toy-3': unknown parent 'nope'",
        "catalog entry 'toy-4': parent 'lstm' is from 1997, after 1990",
    ]


def test_check_bad_files(tmp_path, capsys) -> None:
    from nnzoo.cli import main

    code, lines = _check(tmp_path, capsys, "{not json")
    assert code == 1 and lines[0].startswith("not valid JSON:")
    code, lines = _check(tmp_path, capsys, {"version": 2, "entries": []})
    assert code == 1 and lines == ['a whole catalog needs "version": 1']
    code, lines = _check(tmp_path, capsys, [])
    assert code == 1 and lines == ["the file holds no entry"]
    code, lines = _check(tmp_path, capsys, 42)
    assert code == 1 and lines[0].startswith("expected an entry object")
    assert main(["catalog", "check", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


# ------------------------------------------------------------------ nnzoo catalog refresh-stars
# The GitHub REST API's answer to GET /repos/{owner}/{repo}, cut to the fields that matter,
# in the shape GitHub documents (stargazers_count is the star count). No network here: the
# numbers are made up for the test, never published.
ANSWER = {"id": 1, "full_name": "owner/name", "html_url": "https://github.com/owner/name",
          "stargazers_count": 12345, "watchers_count": 12345, "subscribers_count": 7,
          "forks_count": 89}


def test_refresh_stars_from_a_recorded_answer(tmp_path, capsys, monkeypatch) -> None:
    import datetime
    import urllib.request

    from nnzoo.catalog import stars
    from nnzoo.cli import main

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the test must not reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    asked: list[str] = []

    def recorded(url: str) -> dict:
        asked.append(url)
        return dict(ANSWER)

    monkeypatch.setattr(stars, "fetch_json", recorded)
    out = tmp_path / "new" / "catalog.json"
    assert main(["catalog", "refresh-stars", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == f"wrote {out} (11 snapshot(s) refreshed)"
    assert any(line.startswith("dqn: https://github.com/keras-rl/keras-rl: 2639 -> 12345 "
                               "stars (") for line in printed)
    assert len(asked) == len(set(asked)) == 10  # the shared repository is asked once
    assert "https://api.github.com/repos/junyanz/pytorch-CycleGAN-and-pix2pix" in asked
    new = parse_catalog(json.loads(out.read_text("utf-8")))
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    for entry in new:
        for ref in entry.references:
            if ref.stars is not None:
                assert (ref.stars, ref.stars_source) == (12345, stars.STARS_SOURCE)
                assert ref.stars_date in (today, (datetime.date.fromisoformat(today)
                                                  - datetime.timedelta(days=1)).isoformat())
    assert raw_catalog()["entries"][0]["id"] == "perceptron"  # the packaged file is untouched
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["catalog.json"]


def test_refresh_stars_all_and_bad_answers() -> None:
    import datetime

    from nnzoo.catalog.stars import api_url, refresh_stars
    from nnzoo.core.errors import UsageError

    day = datetime.date(2026, 1, 2)
    updated, lines = refresh_stars(raw_catalog(), fetch=lambda url: ANSWER, all_github=True,
                                   today=day)
    github = [r for e in raw_catalog()["entries"] for r in e["references"]
              if api_url(r["repo"])]
    assert len(lines) == len(github) > 60
    assert all(line.endswith("-> 12345 stars (2026-01-02)") for line in lines)
    assert api_url("https://github.com/a/b.git") == "https://api.github.com/repos/a/b"
    assert api_url("https://gitlab.com/a/b") is None
    for bad in ({}, {"stargazers_count": -1}, {"stargazers_count": "5"}, []):
        with pytest.raises(UsageError, match="stargazers_count"):
            refresh_stars(raw_catalog(), fetch=lambda url, b=bad: b, today=day)


def test_refresh_stars_without_network_is_one_line(tmp_path, capsys, monkeypatch) -> None:
    import urllib.error
    import urllib.request

    from nnzoo.cli import main

    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    assert main(["catalog", "refresh-stars", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach the GitHub API" in err
    assert not list(tmp_path.iterdir())
