"""Peer programs: reference programs that are not on the package index, run unchanged.

Some peers are programs rather than libraries (nanoGPT's ``train.py``, makemore's
``makemore.py``). A benchmark runs them the way a user would: as a separate process, from an
unchanged copy of their folder. The folder holding them is named by the environment variable
``NNZOO_PEERS`` (one sub-folder per program, e.g. ``$NNZOO_PEERS/nanoGPT``); nnzoo has no
default for it and never ships their code.

- :func:`program_copy` copies a program's folder into a temporary folder under the bench's
  output (``<out>/peers/``), so the shared folder is never written, and removes it afterwards.
- :func:`run_program` runs a command in it with a time limit and a fixed thread count,
  capturing stdout and stderr; a non-zero exit or a time-out raises
  :class:`PeerProgramError` whose message ends with the program's last lines.
- :class:`StartedProgram` runs one in the background and reads its output line by line as
  it comes; it can be paused and resumed (``SIGSTOP``/``SIGCONT``), so that a benchmark can
  interleave the peer's training with nnzoo's in blocks of iterations: a slow spell of a
  shared machine then falls on both sides alike.

A program that is not there raises :class:`PeerProgramMissing`, a ``ModuleNotFoundError``: a
task that runs its peer side through :func:`nnzoo.bench.runner.peer_run` then reports the
row as ``peer missing: <program> (... NNZOO_PEERS ...)`` and still measures nnzoo's side,
exactly as for a peer library that is not installed.

Example::

    def peer() -> float:
        with program_copy("nanoGPT") as work:
            done = run_program([sys.executable, "train.py", ...], cwd=work, timeout=1800)
            return parse(done.stdout)

    side = peer_run(peer)   # status "peer missing: ..." when NNZOO_PEERS is unset
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

#: The environment variable naming the folder of peer programs.
PEERS_ENV = "NNZOO_PEERS"

#: Thread settings passed to a program so that both sides of a row use the same count.
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class PeerProgramMissing(ModuleNotFoundError):
    """A peer program that cannot be found: ``NNZOO_PEERS`` unset, or the program (or a file
    it needs) not in that folder. ``name`` carries the reason, which
    :func:`~nnzoo.bench.runner.peer_run` turns into the row's ``peer missing: ...``."""

    def __init__(self, program: str, reason: str) -> None:
        text = f"{program} ({reason})"
        super().__init__(text, name=text)


class PeerProgramError(RuntimeError):
    """A peer program that exited with an error or ran past its time limit; the message
    names the command's program, the exit status and its last lines of output."""


@dataclass
class ProgramRun:
    """A finished run of a peer program."""

    #: the command that ran (its words)
    args: list[str]
    #: the folder it ran in
    cwd: Path
    #: exit status (0)
    returncode: int
    #: everything it printed on stdout
    stdout: str
    #: everything it printed on stderr
    stderr: str
    #: wall-clock seconds from start to exit
    seconds: float


def peers_root() -> Path:
    """The folder named by ``NNZOO_PEERS``.

    :raises PeerProgramMissing: when the variable is unset or names no folder.
    """
    value = os.environ.get(PEERS_ENV, "").strip()
    if not value:
        raise PeerProgramMissing("peer programs", f"set {PEERS_ENV} to the folder that holds "
                                                  "them")
    root = Path(value).expanduser()
    if not root.is_dir():
        raise PeerProgramMissing("peer programs", f"{PEERS_ENV}={value} is not a folder")
    return root


def program_dir(name: str, needs: Sequence[str] = ()) -> Path:
    """The folder of peer program ``name`` under :func:`peers_root`, checked to hold the files
    ``needs`` (paths relative to it).

    :raises PeerProgramMissing: when the folder or one of the files is not there.
    """
    root = peers_root()
    folder = root / name
    if not folder.is_dir():
        raise PeerProgramMissing(name, f"no folder {name}/ in {PEERS_ENV}={root}")
    for rel in needs:
        if not (folder / rel).is_file():
            raise PeerProgramMissing(name, f"{folder} lacks {rel}")
    return folder


def _work_root() -> Path:
    """``<out>/peers`` of the running ``nnzoo bench`` (beside its ``plots/``)."""
    from nnzoo.bench.runner import plots_dir

    path = plots_dir().parent / "peers"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def program_copy(name: str, needs: Sequence[str] = (), *, keep: bool = False,
                 where: Path | None = None) -> Iterator[Path]:
    """Copy peer program ``name``'s folder into a fresh temporary folder and yield the copy.

    :param name: the program's folder under ``NNZOO_PEERS``.
    :param needs: files (relative paths) that must be in it.
    :param keep: leave the copy in place afterwards (for inspection); removed otherwise.
    :param where: the parent of the temporary folder; default ``<out>/peers`` of the running
        bench, so nothing is written outside the output folder the user chose.
    :raises PeerProgramMissing: see :func:`program_dir`.
    """
    src = program_dir(name, needs)
    parent = Path(where) if where is not None else _work_root()
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))
    try:
        work = tmp / name
        shutil.copytree(src, work, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        yield work
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def program_env(threads: int | None = 1, extra: Mapping[str, str] | None = None
                ) -> dict[str, str]:
    """The environment of a peer program: this one, with every thread variable set to
    ``threads`` (left as it is when None), unbuffered Python output, and ``extra``."""
    env = dict(os.environ)
    if threads is not None:
        env.update({k: str(threads) for k in _THREAD_VARS})
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def last_lines(text: str, n: int = 5) -> str:
    """The last ``n`` non-empty lines of ``text`` joined by `` | `` (for one-line errors)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " | ".join(lines[-n:]) if lines else "no output"


def run_program(args: Sequence[str], cwd: Path, *, timeout: float, threads: int | None = 1,
                env: Mapping[str, str] | None = None) -> ProgramRun:
    """Run ``args`` in ``cwd`` as a separate process and wait at most ``timeout`` seconds.

    Its stdout and stderr are captured (spooled to temporary files, so a chatty program
    cannot block on a full pipe). The process gets its own process group, so on a time-out
    the whole group it started is stopped; it stays in this session, so that Linux's
    scheduler (which shares the CPU between sessions, "autogroups") gives it and nnzoo's side
    the same share of a busy machine.

    :param args: the command (``[sys.executable, "train.py", ...]``).
    :param cwd: where it runs (a copy made by :func:`program_copy`).
    :param timeout: seconds before it is stopped.
    :param threads: the thread count given through ``OMP_NUM_THREADS`` and friends.
    :param env: further environment variables.
    :raises PeerProgramError: on a non-zero exit or a time-out, with its last lines.
    """
    args = [str(a) for a in args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=program_env(threads, env), process_group=0)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except BaseException:  # interrupted: do not leave the program running
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    what = Path(args[1]).name if len(args) > 1 else Path(args[0]).name
    if timed_out:
        raise PeerProgramError(f"{what} ran past its {timeout:g} s limit; last output: "
                               f"{last_lines(stderr + stdout)}")
    if proc.returncode != 0:
        raise PeerProgramError(f"{what} exited with status {proc.returncode}: "
                               f"{last_lines(stderr or stdout)}")
    return ProgramRun(args, Path(cwd), proc.returncode, stdout, stderr, seconds)


class StartedProgram:
    """A peer program running in the background, its output (stdout and stderr merged) read
    line by line by a thread as it comes (every line kept in :attr:`lines`).

    Use it as a context manager: leaving the block stops the program if it still runs.

    :param args: the command; :param cwd: where it runs;
    :param threads: ``OMP_NUM_THREADS`` and friends; :param env: further variables;
    :param log: a file that receives every line as it comes (in the bench's output).
    """

    def __init__(self, args: Sequence[str], cwd: Path, *, threads: int | None = 1,
                 env: Mapping[str, str] | None = None, log: Path | None = None) -> None:
        self.args = [str(a) for a in args]
        self.name = Path(self.args[1]).name if len(self.args) > 1 else Path(self.args[0]).name
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._log = open(log, "w", encoding="utf-8") if log is not None else None  # noqa: SIM115
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.args, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=program_env(threads, env), process_group=0,
                                     text=True, encoding="utf-8", errors="replace", bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)                                   # end of output

    def _take(self, timeout: float) -> str | None:
        """The next line (None at the end of the output); a :class:`PeerProgramError` when
        none comes within ``timeout`` seconds."""
        try:
            line = self._queue.get(timeout=max(0.0, timeout))
        except queue.Empty:
            self.stop()
            raise PeerProgramError(f"{self.name} printed nothing for {timeout:g} s; last "
                                   f"output: {last_lines(chr(10).join(self.lines))}") from None
        if line is not None:
            self.lines.append(line)
            if self._log is not None:
                self._log.write(line + "\n")
                self._log.flush()
        return line

    def wait_for(self, match: Callable[[str], bool], timeout: float) -> str:
        """Read lines until one satisfies ``match`` and return it.

        :raises PeerProgramError: when the program ends first (its exit status and last
            lines) or when ``timeout`` seconds pass.
        """
        deadline = time.monotonic() + timeout
        while True:
            line = self._take(deadline - time.monotonic())
            if line is None:
                code = self.proc.wait()
                raise PeerProgramError(f"{self.name} ended (status {code}) before the line "
                                       f"awaited; last output: "
                                       f"{last_lines(chr(10).join(self.lines))}")
            if match(line):
                return line

    def pause(self) -> None:
        """Stop the program where it is (``SIGSTOP``); :meth:`resume` continues it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Continue a paused program (``SIGCONT``)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGCONT)

    def finish(self, timeout: float) -> float:
        """Read the rest of the output and wait for the exit; return the wall seconds since
        the start.

        :raises PeerProgramError: on a non-zero exit or after ``timeout`` seconds.
        """
        self.resume()
        deadline = time.monotonic() + timeout
        while self._take(deadline - time.monotonic()) is not None:
            pass
        try:
            code = self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            raise PeerProgramError(f"{self.name} ran past its {timeout:g} s limit") from None
        if code != 0:
            raise PeerProgramError(f"{self.name} exited with status {code}: "
                                   f"{last_lines(chr(10).join(self.lines))}")
        return time.perf_counter() - self.t0

    def stop(self) -> None:
        """Kill the program's process group (resumed first, so that it can die) if it runs."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
                os.killpg(self.proc.pid, signal.SIGCONT)
            self.proc.wait()

    def __enter__(self) -> StartedProgram:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._log is not None:
            self._log.close()
