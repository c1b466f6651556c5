"""Peer programs run unchanged as separate processes: found through ``NNZOO_PEERS`` only, run
from a copy under the bench's output (the shared folder is never written), with a time limit,
their output captured, and a clear error with their last lines when they fail."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nnzoo.bench import runner
from nnzoo.bench.programs import (
    PEERS_ENV,
    PeerProgramError,
    PeerProgramMissing,
    StartedProgram,
    program_copy,
    program_dir,
    run_program,
)
from nnzoo.bench.runner import peer_run

SCRIPT = """\
import os, sys, pathlib
mode = sys.argv[1]
pathlib.Path("written.txt").write_text("by the program")
print("threads", os.environ.get("OMP_NUM_THREADS"))
print("data", pathlib.Path("data.txt").read_text().strip())
if mode == "fail":
    print("first line", file=sys.stderr)
    raise SystemExit("something broke at step 7")
if mode == "sleep":
    import time
    time.sleep(60)
"""


@pytest.fixture
def peers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A peers folder with one program, ``toy/``, read-only checked by its contents."""
    root = tmp_path / "peers"
    (root / "toy").mkdir(parents=True)
    (root / "toy" / "prog.py").write_text(SCRIPT)
    (root / "toy" / "data.txt").write_text("hello\n")
    monkeypatch.setenv(PEERS_ENV, str(root))
    return root


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*")
            if p.is_file()}


def test_runs_a_copy_and_leaves_the_shared_folder_alone(peers: Path, tmp_path: Path) -> None:
    before = _snapshot(peers)
    out = tmp_path / "out"
    with program_copy("toy", needs=["prog.py"], where=out) as work:
        assert work.is_relative_to(out)
        done = run_program([sys.executable, "prog.py", "ok"], cwd=work, timeout=60, threads=1)
        assert (work / "written.txt").read_text() == "by the program"
    assert done.returncode == 0
    assert "threads 1" in done.stdout and "data hello" in done.stdout
    assert _snapshot(peers) == before          # nothing written into the shared folder
    assert not any(out.rglob("written.txt"))   # the copy is removed afterwards


def test_default_copy_goes_under_the_bench_output(peers: Path, tmp_path: Path) -> None:
    token = runner._PLOTS.set(tmp_path / "bench" / "plots")
    try:
        with program_copy("toy") as work:
            assert work.is_relative_to(tmp_path / "bench" / "peers")
    finally:
        runner._PLOTS.reset(token)


def test_failure_names_the_program_and_its_last_lines(peers: Path, tmp_path: Path) -> None:
    with program_copy("toy", where=tmp_path) as work:
        with pytest.raises(PeerProgramError, match=r"prog\.py exited with status 1: .*"
                                                   r"something broke at step 7"):
            run_program([sys.executable, "prog.py", "fail"], cwd=work, timeout=60)
        side = peer_run(lambda: run_program([sys.executable, "prog.py", "fail"], cwd=work,
                                            timeout=60))
    assert side.status.startswith("peer failed: PeerProgramError")


def test_time_limit_stops_the_program(peers: Path, tmp_path: Path) -> None:
    with program_copy("toy", where=tmp_path) as work, \
            pytest.raises(PeerProgramError, match="ran past its 1 s limit"):
        run_program([sys.executable, "prog.py", "sleep"], cwd=work, timeout=1)


def test_unset_or_wrong_peers_folder_is_a_missing_peer(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.delenv(PEERS_ENV, raising=False)
    with pytest.raises(PeerProgramMissing, match=PEERS_ENV):
        program_dir("nanoGPT")
    side = peer_run(lambda: program_dir("nanoGPT"))
    assert side.status.startswith("peer missing:") and PEERS_ENV in side.status
    monkeypatch.setenv(PEERS_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(PeerProgramMissing, match="is not a folder"):
        program_dir("nanoGPT")
    (tmp_path / "p" / "nanoGPT").mkdir(parents=True)
    monkeypatch.setenv(PEERS_ENV, str(tmp_path / "p"))
    with pytest.raises(PeerProgramMissing, match="lacks train.py"):
        program_dir("nanoGPT", needs=["train.py"])
    with pytest.raises(PeerProgramMissing, match="no folder makemore/"):
        program_dir("makemore")


TICKER = """\
import time
for i in range(8):
    print(f"iter {i}", flush=True)
    time.sleep(0.02)
print("done")
"""


def test_started_program_pauses_resumes_and_finishes(peers: Path, tmp_path: Path) -> None:
    (peers / "toy" / "ticker.py").write_text(TICKER)
    log = tmp_path / "ticker.log"
    with program_copy("toy", where=tmp_path / "out") as work, \
            StartedProgram([sys.executable, "ticker.py"], work, log=log) as prog:
        assert prog.wait_for(lambda ln: ln == "iter 2", timeout=60) == "iter 2"
        prog.pause()
        prog.resume()
        prog.wait_for(lambda ln: ln == "iter 5", timeout=60)
        prog.finish(timeout=60)
        assert prog.lines == [f"iter {i}" for i in range(8)] + ["done"]
    assert log.read_text().splitlines() == prog.lines            # every line, as it came


def test_started_program_that_ends_early_is_a_clear_error(peers: Path, tmp_path: Path
                                                          ) -> None:
    with program_copy("toy", where=tmp_path) as work, \
            StartedProgram([sys.executable, "prog.py", "fail"], work) as prog, \
            pytest.raises(PeerProgramError, match=r"prog\.py ended \(status 1\).*step 7"):
        prog.wait_for(lambda ln: ln.startswith("never"), timeout=60)
