"""The ``nnzoo`` command.

Every error caused by input is one line on stderr and exit code 2; ``--debug`` shows the
traceback. Listing and info commands take ``--json`` for scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, NoReturn

from nnzoo.core.errors import NnzooError, UsageError

EPILOG = """\
examples:
  nnzoo list                          every architecture of the catalog
  nnzoo list '*boltzmann*'            ids, names and aliases matching a glob
  nnzoo list --implemented            what nnzoo can train
  nnzoo info cnn                      paper, year, lineage, recipes, last results
  nnzoo lineage lstm --format mermaid the family tree around LSTM
  nnzoo train cnn                     default recipe (offline digits), writes runs/...
  nnzoo train mlp --recipe mnist --set lr=3e-4 --set hidden=512,256
  nnzoo train cnn --nproc 2           data-parallel on two processes
  nnzoo train cnn --threads 2         two CPU threads (default auto: 1 for tiny steps)
  nnzoo eval runs/cnn-digits-...      score a run's checkpoint
  nnzoo train dqn --set steps=20000   an agent: gymnasium environment, RLConfig settings
  nnzoo play runs/dqn-cartpole-...    a trained agent's episodes as a GIF, with the returns
  nnzoo sample runs/lstm-excerpt-... --prime "ROMEO:"   text from a character LM run
  nnzoo bench mlp perceptron          nnzoo beside its peer library, same data and budget
  nnzoo bench --report --check        the README's results match the published rows
  nnzoo catalog check entry.json      validate a contributed catalog entry
  nnzoo catalog refresh-stars new.json  star snapshots from the GitHub API (network)
"""


TRAIN_EPILOG = """\
--set KEY=VALUE (repeatable) names, in this order of precedence:
  - a field of the model's config ('nnzoo info ID' lists them),
  - a field of the engine's TrainConfig (epochs, batch_size, lr, optimizer, momentum,
    nesterov, weight_decay, decay_norms_and_biases, betas, scheduler, step_size, gamma,
    milestones, warmup_steps, min_lr, patience, checkpoint_every, eval_batch_size,
    grad_clip, max_time, restore_best, label_smoothing, augment, channels_last),
  - an argument of the dataset's loader (e.g. target=price for csv:FILE, max_len=60 for
    sentences:DIR, val_fraction=0.2, split_seed=1; 'nnzoo data --help' lists them).

reinforcement-learning agents (dqn, ddpg, q-learning...; 'nnzoo list --family reinforcement'):
  --dataset is a gymnasium environment id (CartPole-v1, Pendulum-v1, FrozenLake-v1...), and
  --set names a field of the agent's config or of the loop's RLConfig (steps, n_envs,
  eval_every, eval_episodes, checkpoint_every, log_every, env_kwargs as a JSON object):
  nnzoo train dqn --set steps=20000 --set eval_every=5000
  nnzoo train q-learning --set 'env_kwargs={"is_slippery": false}'
  nnzoo train dqn --dataset Acrobot-v1 --set steps=100000
  --epochs, --nproc, --amp, --channels-last, --compile and a CUDA --device are the engine's,
  not agents'.

your own data (--dataset KIND:PATH; the model's sizes, classes and tags follow the data):
  nnzoo train crf --dataset conll:corpus/                  CoNLL-2003 style folder
  nnzoo train bilstm-crf --dataset conll:corpus/ --recipe wnut17
  nnzoo train text-cnn --dataset sentences:reviews/        label<TAB>text files
  nnzoo train lstm --dataset sentences:reviews/ --recipe mr
  nnzoo train mlp --dataset csv:houses.csv --set target=kind
  nnzoo train elm --dataset csv:houses.csv --set target=price     (regression)
  nnzoo train cnn --dataset imagefolder:photos/ --epochs 20
"""

DATA_DESCRIPTION = """\
Registered datasets live in $NNZOO_DATA (default ~/.cache/nnzoo), one folder each with the
original file names; every file has a sha256 computed from the genuine file ('verify').

Your own data trains any model of the right kind with --dataset KIND:PATH:

conll:DIR        named-entity tagging (crf, bilstm-crf). Files of one token a line, columns
                 separated by spaces or tabs, token first and tag last (CoNLL-2003's four
                 columns or WNUT-17's two), a blank line between sentences, -DOCSTART-
                 lines skipped. Tags IOB1, IOB2 or BIOES (detected; read as IOB2).
sentences:DIR    sentence classification (text-cnn, dynamic-cnn, clstm, lstm, gru, bilstm,
                 bigru...). Lines 'label<TAB>text'; any label strings. Tokenised as MR
                 (Kim's clean_str; tokenizer=split keeps the text as written); max_len=N
                 cuts sentences.
csv:FILE         a table (mlp, perceptron, svm, elm, rbf-net...). A header row is
                 required; feature columns must be numeric; target=COLUMN (default: the
                 last column). Text or few whole-number targets are classes, other numbers
                 regression (target_type=auto|classification|regression). Features are
                 standardised by the training rows (scale_features=false: raw). Rows are
                 split 20 % test, then 10 % of the rest validation (stratified, split_seed).
imagefolder:DIR  image classification (mlp, cnn, perceptron...). One subfolder of images
                 per class, or train/, val/ (valid/, dev/) and test/ folders of them. All
                 images one size; grayscale or RGB detected; pixels scaled to [0, 1].

A folder's files are found by name, any extension: a name holding 'train' (train.txt,
eng.train), 'dev', 'valid', 'val' or 'testa' (validation), 'test' or 'testb' (test).
Missing test or validation parts are drawn from the train file: test_fraction=0.2, then
val_fraction=0.1 of the rest, seeded by split_seed=0. Pass these arguments with --set.
A malformed file stops with one error naming the file and the line.
"""

DATA_EPILOG = """\
examples:
  nnzoo data list                           every dataset: ok, missing, bad checksum...
  nnzoo data fetch mnist                    download into $NNZOO_DATA (sha256 checked)
  NNZOO_DATA=../shared/data nnzoo data verify fashion-mnist
  nnzoo data check conll:conll2003/         eng.train, eng.testa, eng.testb
  nnzoo data check sentences:reviews/       train.tsv, valid.tsv, test.tsv
  nnzoo data check csv:iris.csv --set target=species
  nnzoo data check imagefolder:photos/      photos/cat/*.png, photos/dog/*.png
  nnzoo train crf --dataset conll:conll2003/
  nnzoo train bilstm-crf --dataset conll:conll2003/ --recipe wnut17
  nnzoo train text-cnn --dataset sentences:reviews/ --set max_len=60
  nnzoo train svm --dataset csv:iris.csv --set target=species
  nnzoo train elm --dataset csv:houses.csv --set target=price
  nnzoo train cnn --dataset imagefolder:photos/ --epochs 20
"""


THREADS_HELP = (
    "torch's intra-op CPU threads: a count, or auto: one thread when a training step is tiny "
    "(under about 1 G multiply-adds, e.g. the digits recipes), every core when it is big")


def _threads(text: str) -> int | str:
    """``--threads`` values: ``auto`` or a count from 1 to 1024."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 1024:
        raise argparse.ArgumentTypeError(f"expected auto or a count from 1 to 1024, got {text!r}")
    return n


def _count(text: str) -> int:
    """``--threads`` values where only a count makes sense."""
    n = _threads(text)
    if n == "auto":
        raise argparse.ArgumentTypeError("expected a count from 1 to 1024, got 'auto'")
    return int(n)


def _prepare_threads_env() -> None:
    """Make idle OpenMP threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE``) unless
    the user set the policy, when torch is not loaded yet (OpenMP reads it once, on load).

    A spinning thread burns the core that a competing process, or this process's own main
    thread, needs: beside another 2-thread torch process a 2-thread step of the digits CNN
    took 1570 ms with spinning threads and 85 ms with sleeping ones (1 thread: 15 ms).
    """
    if "torch" not in sys.modules and not os.environ.get("OMP_WAIT_POLICY"):
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"nnzoo: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _web_parsers(sub: Any) -> None:
    """The ``serve`` and ``site`` sub-commands (they need the ``web`` extra)."""
    s = sub.add_parser("serve", help="the zoo on the web: a local server",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Serve the catalog's pages (home, browse, search, a page "
                       "per entry, the genealogy, benchmarks, what's new, the Atom feed) and "
                       "the JSON API (/api/models, /api/models/ID, /api/results). Binds "
                       "127.0.0.1 unless --host names another interface.",
                       epilog="examples:\n  nnzoo serve                    http://127.0.0.1:8000/\n"
                       "  nnzoo serve --port 8080\n"
                       "  nnzoo serve --host 0.0.0.0     every interface (reachable by others)\n")
    s.add_argument("--host", default=None,
                   help="interface to bind (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    s.add_argument("--gallery", metavar="DIR",
                   help="the recorded gallery to show on the model pages (default: "
                        "docs/gallery of a source checkout)")

    s = sub.add_parser("site", help="the zoo on the web: a static site",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write the same pages as a static site: relative links "
                       "only, works from file:// and from any static host. Writes only under "
                       "OUT; OUT must be absent, empty or a previous build (else --force). "
                       "'site gallery OUT' trains each implemented model's default recipe "
                       "(seed 0, one thread) and records its plots and text samples in OUT "
                       "for the model pages.",
                       epilog="examples:\n  nnzoo site build /tmp/site      then open "
                       "/tmp/site/index.html\n  nnzoo site build public/ --base-url "
                       "https://example.org/zoo/\n"
                       "  nnzoo site gallery docs/gallery  record every implemented model\n"
                       "  nnzoo site gallery docs/gallery --id lstm --id som\n")
    s.add_argument("action", choices=("build", "gallery"),
                   help="build: write the site; gallery: record the models' plots and samples")
    s.add_argument("out", metavar="OUT", help="output folder")
    s.add_argument("--gallery", metavar="DIR",
                   help="build: the recorded gallery to show (default: docs/gallery of a "
                        "source checkout)")
    s.add_argument("--id", action="append", dest="ids", metavar="ID",
                   help="gallery: record this model only (repeatable; default: every "
                        "implemented model)")
    s.add_argument("--force", action="store_true",
                   help="write into a non-empty folder that holds no previous build")
    s.add_argument("--base-url", metavar="URL",
                   help="where the site will be published (absolute links of the Atom "
                        "feed; default: the file:// URL of OUT)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nnzoo", description="The Neural Network Zoo, runnable: classic neural "
                "architectures, trained on real data with one command and measured against "
                "their peer libraries.", epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _web_parsers(sub)

    s = sub.add_parser("list", help="list catalog architectures",
                       description="List the architectures of the catalog (implemented or not).")
    s.add_argument("pattern", nargs="?", help="glob or substring over id, name and aliases")
    s.add_argument("--family", help="e.g. recurrent, convolutional, energy-based")
    s.add_argument("--category", help="e.g. vision, language, generative, reinforcement")
    s.add_argument("--framework", help="only entries with a reference implementation in it")
    s.add_argument("--implemented", action="store_true", help="only models nnzoo implements")
    s.add_argument("--json", action="store_true", help="machine-readable output")

    s = sub.add_parser("info", help="card of one architecture",
                       description="Paper, year, family, lineage (parents, children, ancestors, "
                       "descendants), reference implementations and, for implemented models, "
                       "the learning rule, peer library, hyperparameters, recipes and the last "
                       "benchmark results.")
    s.add_argument("id", help="architecture id or alias (e.g. cnn, ff, kohonen)")
    s.add_argument("--results", metavar="PATH",
                   help="benchmark results to show (a results.json or the --out folder of a "
                        "'nnzoo bench' run; default: the results published with nnzoo)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("lineage", help="the family tree as text, Graphviz dot or Mermaid",
                       description="Print the lineage graph of the whole catalog, or of one "
                       "architecture's ancestors and descendants.")
    s.add_argument("id", nargs="?", help="restrict to this architecture's lineage")
    s.add_argument("--format", choices=("text", "dot", "mermaid"), default="text")

    s = sub.add_parser("train", help="train a model with a recipe",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Train a model; writes runs/<id>-<recipe>-<timestamp>/ with "
                       "config.json, metrics.jsonl, checkpoint.safetensors, state.json, "
                       "summary.json and plots/.",
                       epilog=TRAIN_EPILOG)
    s.add_argument("id", nargs="?", help="model id (see 'nnzoo list --implemented')")
    s.add_argument("--recipe", help="recipe name (default: the model's offline recipe)")
    s.add_argument("--dataset", metavar="ID|KIND:PATH",
                   help="train on another dataset than the recipe's: a registered id "
                   "('nnzoo data list') or your own files, conll:DIR, sentences:DIR, csv:FILE "
                   "or imagefolder:DIR ('nnzoo data --help')")
    s.add_argument("--epochs", type=int, help="shortcut for --set epochs=N")
    s.add_argument("--set", dest="overrides", action="append", metavar="KEY=VALUE",
                   help="override a hyperparameter (repeatable)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--device", default="auto", help="auto (CUDA if present), cpu or cuda")
    s.add_argument("--amp", action="store_true", help="bf16 autocast")
    s.add_argument("--channels-last", action="store_true",
                   help="model and image batches in channels-last memory format (shortcut "
                   "for --set channels_last=true; combines with --amp)")
    s.add_argument("--compile", action="store_true", help="torch.compile the model")
    s.add_argument("--out", default="runs", help="folder for run folders (default: runs)")
    s.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run")
    s.add_argument("--quiet", action="store_true", help="no progress bars")
    s.add_argument("--threads", type=_threads, default="auto", metavar="N|auto",
                   help=THREADS_HELP + " (default: auto)")
    g = s.add_argument_group("distributed (torch.distributed.run)")
    g.add_argument("--nproc", type=int, default=1, help="processes per node (DDP)")
    g.add_argument("--nnodes", type=int, default=1)
    g.add_argument("--node-rank", type=int)
    g.add_argument("--rdzv-endpoint", help="HOST:PORT of the rendezvous (multi-node)")
    g.add_argument("--rdzv-id", help="job id shared by all nodes")
    g.add_argument("--rdzv-backend", help="rendezvous backend (default c10d)")

    s = sub.add_parser("eval", help="evaluate a run's checkpoint",
                       description="Rebuild a run's model, load its checkpoint and report "
                       "validation and test metrics.")
    s.add_argument("run_dir")
    s.add_argument("--device", default="auto")
    s.add_argument("--json", action="store_true")
    s.add_argument("--threads", type=_count, metavar="N",
                   help="torch's intra-op CPU threads (default: as torch starts, every core)")

    s = sub.add_parser("play", help="render a trained agent's episodes to a GIF or MP4",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Load a reinforcement-learning agent's run, play "
                       "deterministic episodes with gymnasium's rgb_array rendering, write them "
                       "(one frame per step) to one GIF or MP4 file and print each episode's "
                       "return. Only that file is written.",
                       epilog="examples:\n"
                       "  nnzoo play runs/dqn-cartpole-<time>            plots/play.gif\n"
                       "  nnzoo play runs/dqn-cartpole-<time> --episodes 3 --seed 1 "
                       "--out /tmp/dqn.gif\n"
                       "  nnzoo play runs/ddpg-pendulum-<time> --out /tmp/ddpg.mp4 --fps 20"
                       "   (needs imageio-ffmpeg)")
    s.add_argument("run_dir")
    s.add_argument("--episodes", type=int, default=1, help="episodes to play (default 1)")
    s.add_argument("--seed", type=int, default=0,
                   help="seed of the episodes' resets (default 0)")
    s.add_argument("--out", metavar="FILE.gif|FILE.mp4",
                   help="the file to write (default RUN_DIR/plots/play.gif)")
    s.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")

    s = sub.add_parser("sample", help="images from a generator run, text from a language model",
                       description="Rebuild a model from its run folder. An image generator "
                       "(vae, cvae, beta-vae, dcign, GANs...) writes samples.png (a "
                       "conditional model: a row per class, or --label's), interpolations.png "
                       "and traversals.png into --out (default RUN_DIR/samples); the same "
                       "--seed writes the same files. A character language model prints the "
                       "prime text followed by generated characters.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n"
                       "  nnzoo sample runs/vae-digits-<time> --n 64 --seed 0 --out /tmp/vae\n"
                       "  nnzoo sample runs/cvae-digits-<time> --label 3\n"
                       "  nnzoo sample runs/lstm-excerpt-<time> --prime 'ROMEO:' --top-k 10")
    s.add_argument("run_dir")
    s.add_argument("--out", help="images: the folder to write (default RUN_DIR/samples)")
    s.add_argument("--n", type=int, default=64, help="images: samples to draw (default 64)")
    s.add_argument("--label", type=int, help="images: a conditional model's class to sample")
    s.add_argument("--prime", default="\n", help="text to start from (default: a newline)")
    s.add_argument("--length", type=int, default=500, help="characters to generate")
    s.add_argument("--temperature", type=float, default=1.0,
                   help="softmax temperature (> 0; lower is more conservative)")
    s.add_argument("--top-k", type=int, default=0,
                   help="draw among the K most likely characters only (0: all)")
    s.add_argument("--seed", type=int, default=0, help="seed of the draws")
    s.add_argument("--device", default="auto")

    s = sub.add_parser("data", help="list, fetch or verify datasets; check your own files",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=DATA_DESCRIPTION, epilog=DATA_EPILOG)
    s.add_argument("action", choices=("list", "fetch", "verify", "check"),
                   help="list: every dataset and its status; fetch: download (sha256 "
                   "checked); verify: hash every file (exit 1 when one is missing or bad); "
                   "check: load your own KIND:PATH files and say what was found")
    s.add_argument("names", nargs="*", help="dataset ids, or KIND:PATH for check (default: all "
                   "downloadable)")
    s.add_argument("--set", dest="overrides", action="append", metavar="KEY=VALUE",
                   help="check: an argument of the dataset, e.g. target=price (repeatable)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("bench", help="nnzoo beside its peer libraries",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="""\
Run each model and its peer library on the same split, seed and budget in this process.
A run writes only under --out: results.json (each row with the command that reproduces
it), benchmarks.md and plots/. A missing or failing peer is a row marked 'peer missing: X'
or 'peer failed: ...' and the run goes on (exit 0); a task whose nnzoo side fails is a row
'failed: ...', the run goes on and exits 1 at the end.""",
                       epilog="""\
examples:
  nnzoo bench                                   quick tier into ./bench-results
  nnzoo bench svm --tier full --task mnist-10k --out /tmp/svm    one row of the full tier
  nnzoo bench --merge /tmp/svm                  publish it (source checkout): rows into
                                                nnzoo/bench/results.json, plots into
                                                docs/plots/, README and docs/benchmarks.md
  nnzoo bench --report [--check]                regenerate (or compare, exit 1 on a
                                                difference) the README's results section and
                                                docs/benchmarks.md from the published rows
""")
    s.add_argument("ids", nargs="*", help="model ids (default: all with a benchmark)")
    s.add_argument("--tier", choices=("quick", "full"), default="quick",
                   help="quick: embedded data, seconds; full: the real benchmark tasks")
    s.add_argument("--task", action="append", metavar="NAME",
                   help="run only this task (repeatable), e.g. --task mr-10fold; the rows of "
                        "other tasks stay as they were")
    s.add_argument("--out", default="bench-results",
                   help="folder the run writes into (default: bench-results)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--threads", type=_count, metavar="N",
                   help="torch's intra-op CPU threads outside the tasks that fix their own "
                        "(most rows run single-threaded; default: as torch starts, every core)")
    g = s.add_argument_group("published results (source checkout only; nothing is run)")
    g.add_argument("--merge", metavar="DIR_OR_RESULTS_JSON",
                   help="merge a run's rows into nnzoo/bench/results.json (not those whose "
                        "nnzoo side failed or whose peer library was missing), copy the plots "
                        "they reference into docs/plots/ and regenerate the README section "
                        "and docs/benchmarks.md")
    g.add_argument("--drop", metavar="MODEL/TIER/TASK", action="append",
                   help="retire a published row whose set-up no longer exists (repeatable), "
                        "then regenerate the README section and docs/benchmarks.md")
    g.add_argument("--report", action="store_true",
                   help="regenerate the README's results section and docs/benchmarks.md "
                        "from nnzoo/bench/results.json")
    g.add_argument("--check", action="store_true",
                   help="with --report: write nothing, exit 1 if either file differs")
    _add_catalog_parser(sub)
    return p


def _add_catalog_parser(sub: Any) -> None:
    """The ``catalog`` sub-command: tools for the catalog's data."""
    s = sub.add_parser("catalog", help="check a contributed entry; refresh star snapshots",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Tools for the catalog's data.",
                       epilog="""\
examples:
  nnzoo catalog check my-entry.json     one entry, a list of entries or a whole catalog
  nnzoo catalog refresh-stars new.json  the catalog with today's star counts (network)
""")
    actions = s.add_subparsers(dest="catalog_action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    c = actions.add_parser("check", help="validate a contributed entry against the schema",
                           description="Validate a JSON file holding one catalog entry, a "
                           "list of entries or a whole catalog ({\"version\": 1, \"entries\": "
                           "[...]}) with the loader's own checks: required fields and types, "
                           "id and alias format, ids new to the catalog, parents in the catalog "
                           "or the file, parents' papers before their children's, https URLs. "
                           "Prints one line per problem and exits 1 when there is any; prints "
                           "a summary and exits 0 when the file is fine.")
    c.add_argument("file", help="the JSON file to check")
    r = actions.add_parser("refresh-stars", help="new star snapshots from the GitHub API",
                           description="Ask the GitHub REST API for the star count of every "
                           "reference implementation that carries a snapshot (--all: every "
                           "github.com reference) and write the catalog with the new snapshots, "
                           "dated today, to OUT (nothing else is written). Needs a network; "
                           "$GITHUB_TOKEN, when set, raises the API's rate limit.")
    r.add_argument("out", help="where to write the updated catalog JSON")
    r.add_argument("--all", dest="all_github", action="store_true",
                   help="refresh every github.com reference, not only those with a snapshot")


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False))


# -- commands -----------------------------------------------------------------------------------

def cmd_list(a: argparse.Namespace) -> int:
    from nnzoo.catalog import load_catalog
    from nnzoo.models import implemented_ids

    impl = set(implemented_ids())
    entries = load_catalog().search(a.pattern, family=a.family, category=a.category,
                                    framework=a.framework, ids=impl if a.implemented else None)
    if a.json:
        _print_json([{**e.to_dict(), "implemented": e.id in impl} for e in entries])
        return 0
    if not entries:
        print("no architecture matches", file=sys.stderr)
        return 1
    w = max(len(e.id) for e in entries)
    for e in entries:
        mark = "*" if e.id in impl else " "
        print(f"{mark} {e.id:<{w}}  {e.year}  {e.family:<22} {e.name}")
    print(f"\n{len(entries)} architectures, {sum(e.id in impl for e in entries)} implemented (*)")
    return 0


def _last_results(model_id: str, path: str | None) -> tuple[Path, list[dict[str, Any]]]:
    """The benchmark rows of ``model_id``: from ``path`` (a results.json or a run's folder)
    when given, else from the results published with the package."""
    from nnzoo.bench.runner import PUBLISHED, load_results

    if path is None:
        file = PUBLISHED
        if not file.is_file():
            return file, []
    else:
        file = Path(path) / "results.json" if Path(path).is_dir() else Path(path)
    return file, [r for r in load_results(file)["results"] if r.get("model") == model_id]


def cmd_info(a: argparse.Namespace) -> int:
    from nnzoo.catalog import load_catalog
    from nnzoo.models import card

    c = card(a.id)
    cat = load_catalog()
    e = c.entry
    recipes = []
    if c.implemented:
        from nnzoo.recipes import recipes_for

        recipes = [{"name": r.name, "dataset": r.dataset, "description": r.description,
                    "default": r.default} for r in recipes_for(e.id)]
    lineage = {k: [x.id for x in f(e.id)] for k, f in (
        ("parents", cat.parents), ("children", cat.children), ("ancestors", cat.ancestors),
        ("descendants", cat.descendants))}
    results_file, results = _last_results(e.id, a.results)
    if a.json:
        _print_json({**c.to_dict(), **lineage, "recipes": recipes, "last_results": results})
        return 0
    wrap = textwrap.TextWrapper(width=88, subsequent_indent=" " * 14)
    print(f"{e.name} ({e.abbreviation})  [{e.id}]")
    rows = [
        ("paper", f"{e.paper.title}, {', '.join(e.paper.authors)}, {e.year}"),
        ("link", e.paper.url), ("family", e.family), ("categories", ", ".join(e.categories)),
        ("paradigm", e.paradigm), ("aliases", ", ".join(e.aliases) or "-"),
        ("parents", ", ".join(lineage["parents"]) or "- (a root)"),
        ("children", ", ".join(lineage["children"]) or "-"),
        ("ancestors", ", ".join(lineage["ancestors"]) or "-"),
        ("descendants", ", ".join(lineage["descendants"]) or "-"),
        ("references", ", ".join(f"{r.repo} ({r.framework})" for r in e.references) or "-"),
        ("summary", e.summary),
    ]
    if c.spec:
        rows += [("implemented", f"yes: {c.spec.cls.__module__}.{c.spec.cls.__name__}"),
                 ("learning", f"{c.spec.learning}, {c.spec.rule}"), ("peer", c.spec.peer),
                 ("follows", c.spec.reference),
                 ("hyperparams", ", ".join(f"{k}={v}" for k, v in c.defaults.items()))]
        if c.spec.estimator:
            rows.append(("sklearn API", f"{c.spec.estimator.__module__}."
                         f"{c.spec.estimator.__name__}"))
    else:
        rows.append(("implemented", "not yet"))
    for k, v in rows:
        print(wrap.fill(f"  {k:<11} {v}"))
    if recipes:
        print("  recipes")
        for r in recipes:
            print(f"    {r['name']:<16} {r['dataset']:<14} {r['description']}"
                  + ("  (default)" if r["default"] else ""))
    if results:
        where = ("published with nnzoo" if a.results is None else str(results_file))
        print(f"  benchmark results ({where})")
        for r in results:
            peer = r.get("status") or _fmt(r.get("peer_value"))
            print(f"    {r.get('tier')}/{r.get('task')}: {r.get('metric')} nnzoo "
                  f"{_fmt(r.get('nnzoo'))} vs {r.get('peer')} {peer} ({r.get('date', '')})")
            if r.get("command"):
                print(f"      {r['command']}")
    return 0


def _fmt(v: Any) -> str:
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def cmd_lineage(a: argparse.Namespace) -> int:
    from nnzoo.catalog import load_catalog
    from nnzoo.models import implemented_ids

    cat = load_catalog()
    root = cat.resolve(a.id) if a.id else None
    impl = set(implemented_ids())
    if a.format == "dot":
        print(cat.to_dot(root, highlight=impl))
    elif a.format == "mermaid":
        print(cat.to_mermaid(root, highlight=impl))
    else:
        print(cat.lineage_text(root))
    return 0


def cmd_train(a: argparse.Namespace, argv: list[str]) -> int:
    from nnzoo.core.config import parse_overrides
    from nnzoo.recipes.runner import RunOptions, resume, train

    overrides = parse_overrides(a.overrides)
    if a.id and not a.resume:
        from nnzoo.models import get_spec

        spec = get_spec(a.id)
        if spec.learning == "environment":
            if a.epochs is not None:
                raise UsageError(f"{spec.id} is a reinforcement-learning agent: it trains for "
                                 "environment steps, not epochs; use --set steps=N")
            if a.channels_last:
                raise UsageError(f"{spec.id} is a reinforcement-learning agent: "
                                 "--channels-last is the engine's")
            if a.nproc != 1 or a.nnodes != 1:
                raise UsageError(f"{spec.id} is a reinforcement-learning agent: --nproc and "
                                 "--nnodes are the engine's data parallelism; use --set "
                                 "n_envs=N for more environments")
    if a.epochs is not None:
        overrides["epochs"] = str(a.epochs)
    if a.channels_last:
        overrides["channels_last"] = "true"
    if a.nproc < 1:
        raise UsageError(f"--nproc must be >= 1, got {a.nproc}")
    if a.nproc > 1 or a.nnodes > 1:
        from nnzoo.models import get_spec
        from nnzoo.train.distributed import launch

        if a.id:
            spec = get_spec(a.id)
            if spec.learning != "iterative" or not spec.cls.automatic_optimization:
                raise UsageError(f"{spec.id} learns by {spec.rule}, not by gradients; "
                                 "--nproc needs a gradient-trained model")
        child = _strip_dist_args(argv)
        return launch(child, a.nproc, {"nnodes": a.nnodes, "node_rank": a.node_rank,
                                       "rdzv_endpoint": a.rdzv_endpoint,
                                       "rdzv_id": a.rdzv_id, "rdzv_backend": a.rdzv_backend})
    opts = RunOptions(seed=a.seed, device=a.device, amp=a.amp, compile=a.compile, out=a.out,
                      quiet=a.quiet, threads=a.threads)
    if a.resume:
        if a.id or overrides or a.recipe or a.dataset:
            raise UsageError("--resume takes the model, recipe and hyperparameters from the "
                             "run's config.json; give only RUN_DIR")
        summary = resume(a.resume, options=opts)
    else:
        if not a.id:
            raise UsageError("train needs a model id (see 'nnzoo list --implemented')")
        summary = train(a.id, a.recipe, dataset=a.dataset, overrides=overrides, options=opts)
    if summary:
        _report(summary)
    return 0


def _strip_dist_args(argv: list[str]) -> list[str]:
    """``argv`` without the launcher's options (the children run one process each)."""
    drop = {"--nproc", "--nnodes", "--node-rank", "--rdzv-endpoint", "--rdzv-id",
            "--rdzv-backend"}
    out, skip = [], False
    for tok in argv:
        if skip:
            skip = False
            continue
        name = tok.split("=", 1)[0]
        if name in drop:
            skip = "=" not in tok
            continue
        out.append(tok)
    return out


def _report(summary: dict[str, Any]) -> None:
    test = summary["test"]
    if "episodes" in summary:  # an agent's run
        print(f"{summary['model']} / {summary['recipe']} on {summary['dataset']}: "
              f"{summary['steps']} steps, {summary['episodes']} episodes, "
              f"{summary['train_time_s']:.1f} s training")
        print(f"evaluation return: {test['return']:.4g} ± {test['return_std']:.3g}")
        print(f"run folder:    {summary['run_dir']}")
        return
    metrics = "  ".join(f"{k} {v:.4f}" for k, v in test.items())
    print(f"{summary['model']} / {summary['recipe']} on {summary['dataset']}: "
          f"{summary['epochs']} epochs, {summary['train_time_s']:.1f} s training")
    if "accuracy" in test:
        print(f"test accuracy: {test['accuracy']:.4f}")
    print(f"test metrics:  {metrics}")
    print(f"run folder:    {summary['run_dir']}")


def cmd_eval(a: argparse.Namespace) -> int:
    from nnzoo.core.device import using_threads
    from nnzoo.recipes.runner import evaluate_run

    with using_threads(a.threads):
        res = evaluate_run(a.run_dir, device=a.device)
    if a.json:
        _print_json(res)
        return 0
    print(f"{res['model']} / {res['recipe']} on {res['dataset']}  ({res['run_dir']})")
    if "returns" in res:  # an agent: fresh deterministic episodes
        print(f"  return {res['test']['return']:.4g} ± {res['test']['return_std']:.3g} over "
              f"{len(res['returns'])} episodes")
        return 0
    for split in ("val", "test"):
        print(f"  {split:<5} " + "  ".join(f"{k} {v:.4f}" for k, v in res[split].items()))
    return 0


def cmd_play(a: argparse.Namespace) -> int:
    from nnzoo.recipes.runner import play

    got = play(a.run_dir, episodes=a.episodes, seed=a.seed, out=a.out, fps=a.fps)
    for j, (ret, n) in enumerate(zip(got["returns"], got["lengths"])):
        print(f"episode {j}: return {ret:.4g}, {n} steps")
    print(got["path"])
    return 0


def cmd_sample(a: argparse.Namespace) -> int:
    from nnzoo.recipes.sampling import sample

    got = sample(a.run_dir, out=a.out, n=a.n, label=a.label, prime=a.prime, length=a.length,
                 temperature=a.temperature, top_k=a.top_k, seed=a.seed, device=a.device)
    if isinstance(got, str):
        print(got)
    else:
        for path in got:
            print(path)
    return 0


def _downloadable(datasets: dict[str, Any]) -> list[str]:
    """Ids of the datasets with files to fetch, one per source folder (``mnist-10k`` reads
    MNIST's files: verifying them once is enough)."""
    seen: set[str] = set()
    out = []
    for name, info in datasets.items():
        if info.source is not None and info.source.name not in seen:
            seen.add(info.source.name)
            out.append(name)
    return out


def cmd_data_check(a: argparse.Namespace) -> int:
    """``nnzoo data check KIND:PATH``: load the user's files, print what was found."""
    from nnzoo.core.config import coerce, parse_overrides
    from nnzoo.data import load_dataset
    from nnzoo.data.registry import dataset_parameters
    from nnzoo.data.user import parse_spec

    if not a.names:
        raise UsageError("data check needs KIND:PATH, e.g. conll:corpus/ or csv:table.csv")
    sets = parse_overrides(a.overrides)
    out = []
    for name in a.names:
        if parse_spec(name) is None:
            raise UsageError(f"data check takes KIND:PATH (conll:, sentences:, csv:, "
                             f"imagefolder:), got {name!r}; registered datasets: data verify")
        params = dataset_parameters(name)
        unknown = [k for k in sets if k not in params]
        if unknown:
            from nnzoo.core.errors import UnknownNameError

            raise UnknownNameError(f"argument of dataset {name!r}", unknown[0], params)
        s = load_dataset(name, **{k: coerce(params[k], v, k) for k, v in sets.items()})
        row: dict[str, Any] = {"dataset": s.name, "task": s.task, "sizes": s.sizes,
                               "sample_shape": list(s.sample_shape),
                               "description": s.description}
        if s.classes:
            row["classes"] = list(s.classes)
        for k in ("scheme", "vocab_size", "features", "target"):
            if k in s.meta:
                row[k] = s.meta[k]
        out.append(row)
    if a.json:
        _print_json(out)
        return 0
    for r in out:
        print(r["dataset"])
        for k, v in r.items():
            if k != "dataset":
                v = ", ".join(map(str, v)) if isinstance(v, list) else v
                print(textwrap.fill(f"{k}: {v}", width=88, initial_indent="  ",
                                    subsequent_indent="      "))
    return 0


def cmd_data(a: argparse.Namespace) -> int:
    from nnzoo.data import DATASETS, data_root, ensure, get_info, summarize, verify

    if a.action == "check":
        return cmd_data_check(a)
    if a.overrides:
        raise UsageError("--set goes with 'data check' (and 'train'), not 'data " f"{a.action}'")
    from nnzoo.data.registry import FILES_ONLY

    names = a.names or ([*DATASETS, *FILES_ONLY] if a.action == "list"
                        else [*_downloadable(DATASETS), *FILES_ONLY])
    rows = []
    for name in names:
        if name in FILES_ONLY:  # fetched and verified; no loader reads it yet
            fsrc, description = FILES_ONLY[name]
            if a.action == "list":
                rows.append({"dataset": name, "status": summarize(verify(fsrc)),
                             "description": description})
            elif a.action == "fetch":
                rows.append({"dataset": name, "status": "ok",
                             "path": str(ensure(fsrc, download=True))})
            else:
                rows.extend({"dataset": name, "file": fname, "status": status}
                            for fname, status in verify(fsrc))
            continue
        if ":" in name and a.action != "list":
            from nnzoo.data.user import parse_spec

            if parse_spec(name) is not None:
                raise UsageError(f"{name!r} is your own data: 'nnzoo data check {name}' loads "
                                 f"it; {a.action} takes registered dataset ids")
        info = get_info(name)
        src = info.source
        if a.action == "list":
            if src is None:
                status = "embedded" if info.embedded else "your files"
            else:
                status = summarize(verify(src))
                if info.embedded:  # works offline; the full files are optional
                    status = f"embedded; full files: {status}"
            rows.append({"dataset": name, "status": status, "description": info.description})
        elif src is None:
            rows.append({"dataset": name, "status": "embedded (nothing to fetch)" if info.embedded
                         else "no download: put its files in the data root (nnzoo data list)"})
        elif a.action == "fetch":
            path = ensure(src, download=True)
            rows.append({"dataset": name, "status": "ok", "path": str(path)})
        else:
            for fname, status in verify(src):
                rows.append({"dataset": name, "file": fname, "status": status})
    if a.json:
        _print_json({"root": str(data_root()), "datasets": rows})
    else:
        print(f"data root: {data_root()}  (set NNZOO_DATA to move it)")
        widths = [max(len(str(v)) for v in col) for col in zip(*(r.values() for r in rows))]
        for r in rows:
            print("  " + "  ".join(f"{v!s:<{w}}" for v, w in zip(r.values(), widths)).rstrip())
    bad = [r for r in rows if r["status"] in ("missing", "bad checksum")]
    return 1 if a.action == "verify" and bad else 0


def _need_web() -> None:
    """Raise a one-line error when the ``web`` extra is not installed."""
    import importlib.util

    missing = [m for m in ("jinja2", "starlette", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"this command needs the web extra ({', '.join(missing)} missing): "
                         "pip install 'nnzoo[web]'")


def cmd_serve(a: argparse.Namespace) -> int:
    _need_web()
    from nnzoo.web.app import serve

    if not 0 <= a.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {a.port}")
    serve(a.host, a.port, gallery=a.gallery)
    return 0


def cmd_gallery(a: argparse.Namespace) -> int:
    from nnzoo.web.gallery import record_gallery

    if a.force or a.base_url is not None or a.gallery is not None:
        raise UsageError("site gallery takes OUT, --id and --quiet only (--force, --base-url "
                         "and --gallery go with site build)")
    t0 = time.perf_counter()
    manifest = record_gallery(Path(a.out), a.ids, quiet=a.quiet)
    done = a.ids or list(manifest["models"])
    print(f"recorded {len(done)} model(s) in {time.perf_counter() - t0:.0f} s under "
          f"{Path(a.out).resolve()} ({len(manifest['models'])} in its gallery.json)")
    return 0


def cmd_site(a: argparse.Namespace) -> int:
    if a.action == "gallery":
        return cmd_gallery(a)
    _need_web()
    from nnzoo.web.build import build_site
    from nnzoo.web.site import load_site

    if a.ids:
        raise UsageError("--id goes with site gallery, not site build")
    if a.base_url is not None and not a.base_url.startswith(("https://", "http://")):
        raise UsageError(f"--base-url must be an http(s) URL, got {a.base_url!r}")
    site = load_site(gallery=a.gallery) if a.gallery is not None else None
    files = build_site(Path(a.out), force=a.force, base_url=a.base_url, quiet=a.quiet,
                       site=site)
    pages = sum(1 for f in files if f.parent.name == "models" and f.suffix == ".html")
    print(f"wrote {len(files)} files ({pages} model pages) under {Path(a.out).resolve()}; "
          f"open {Path(a.out).resolve() / 'index.html'}")
    return 0


def cmd_bench(a: argparse.Namespace) -> int:
    from nnzoo.bench import runner

    if a.check and not a.report:
        raise UsageError("--check goes with --report")
    if a.merge or a.report or a.drop:
        if a.ids or a.task or a.tier != "quick" or sum(map(bool, (a.merge, a.report,
                                                                   a.drop))) > 1:
            raise UsageError("--merge, --drop and --report run nothing: give one of them, "
                             "without model ids, --task or --tier")
        if a.merge:
            runner.merge_run(Path(a.merge))
            return 0
        if a.drop:
            for name in runner.drop_rows(a.drop):
                print(f"dropped {name}")
            return 0
        differ = runner.write_report(check=a.check)
        names = ", ".join(str(p) for p in differ)
        if a.check:
            if differ:
                print(f"differs from the published results: {names} (run 'nnzoo bench "
                      "--report')", file=sys.stderr)
                return 1
            print("README.md and docs/benchmarks.md match the published results")
        else:
            print(f"rewrote {names}" if differ else "README.md and docs/benchmarks.md were "
                  "up to date")
        return 0
    from nnzoo.core.device import using_threads

    with using_threads(a.threads):
        results = runner.run_bench(a.ids or None, tier=a.tier, out=Path(a.out), quiet=False,
                                   names=a.task)
    if a.json:
        _print_json(results)
    failed = runner.own_side_failed(results["results"])
    if failed:
        print(f"nnzoo's side failed in {len(failed)} task(s): "
              + ", ".join(f"{r['model']}/{r['task']}" for r in failed), file=sys.stderr)
        return 1
    return 0


def _refresh_stars(a: argparse.Namespace) -> int:
    from importlib import resources

    from nnzoo.catalog.stars import refresh_stars
    from nnzoo.core.io import atomic_write_text

    text = resources.files("nnzoo.catalog").joinpath("catalog.json").read_text("utf-8")
    updated, lines = refresh_stars(json.loads(text), all_github=a.all_github)
    atomic_write_text(a.out, json.dumps(updated, indent=1, ensure_ascii=True) + "\n")
    for line in lines:
        print(line)
    print(f"wrote {a.out} ({len(lines)} snapshot(s) refreshed)")
    return 0


def cmd_catalog(a: argparse.Namespace) -> int:
    """``nnzoo catalog check FILE``: one line per problem and exit 1, or a summary and 0;
    ``nnzoo catalog refresh-stars OUT``: the catalog with new star snapshots, into OUT."""
    if a.catalog_action == "refresh-stars":
        return _refresh_stars(a)
    from nnzoo.catalog.check import check_file

    report = check_file(a.file)
    for problem in report.problems:
        print(f"{a.file}: {problem}")
    if not report.ok:
        print(f"{a.file}: {len(report.problems)} problem(s)", file=sys.stderr)
        return 1
    against = "checked on its own" if report.whole else "checked against the catalog"
    shown = ", ".join(report.ids[:8]) + (f" and {len(report.ids) - 8} more"
                                          if len(report.ids) > 8 else "")
    print(f"{a.file}: {len(report.ids)} entr{'y' if len(report.ids) == 1 else 'ies'} fine "
          f"({shown}), {against}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    _prepare_threads_env()
    try:
        if args.command in ("serve", "site"):
            return cmd_serve(args) if args.command == "serve" else cmd_site(args)
        if args.command == "train":
            return cmd_train(args, argv)
        return {"list": cmd_list, "info": cmd_info, "lineage": cmd_lineage, "eval": cmd_eval,
                "data": cmd_data, "bench": cmd_bench, "sample": cmd_sample, "play": cmd_play,
                "catalog": cmd_catalog}[args.command](args)
    except NnzooError as e:
        if args.debug:
            raise
        print(f"nnzoo: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("nnzoo: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`nnzoo list | head`): stop quietly, as a Unix tool killed by
        # SIGPIPE would, and point stdout at /dev/null so the final flush does not raise again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141
    except Exception as e:  # a bug: one line unless --debug
        if args.debug or os.environ.get("NNZOO_DEBUG"):
            raise
        print(f"nnzoo: internal error: {type(e).__name__}: {e} (rerun with --debug for the "
              "traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
