"""Bad command-line input and unreachable schedulers: one line naming the option, the value and what is allowed,
exit status 2, no traceback, nothing written."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from sim.cli import main

from helpers import GOOD_SCENARIO, ROOT

# --------------------------------------------------------------------------------- the command-line corpus
OPTIONS = [  # (argv, parts of the message); argparse's own errors exit 2 through SystemExit
    (["run", "--steps", "0"], ["argument --steps: 0 is not allowed; expected 1 or more"]),
    (["run", "--steps", "-3"], ["argument --steps: -3 is not allowed"]),
    (["run", "--steps", "2.5"], ["argument --steps: '2.5' is not a whole number"]),
    (["run", "--steps", "40000"], ["argument --steps: 40000 is not allowed; expected 1 to 32000"]),
    (["run", "--seed", "-1"], ["argument --seed: -1 is not allowed; expected 0 to 2**63-1"]),
    (["run", "--seed", str(2**63)], ["argument --seed:", "is not allowed"]),
    (["run", "--seed", "one"], ["argument --seed: 'one' is not a whole number"]),
    (["run", "--set", "n_units=true"], ["--set n_units: True is not a number"]),
    (["run", "--set", 'n_units="3"'], ["--set n_units: '3' is not a number"]),
    (["run", "--set", "unit_size=[0, 5]"], ["--set unit_size: 0 is below the minimum 1"]),
    (["run", "--set", "sectors=[1, 2]"], ["--set sectors: unknown sector 1"]),
    (["run", "--set", "=3"], ["--set =3: expected NAME=VALUE"]),
    (["run", "--set", "voice_value=nan"], ["--set voice_value: nan is not allowed"]),
    (["run", "--set", "n_units=5000", "--set", "unit_size=100000"], ["n_units x unit_size", "memory is available"]),
    (["compare", "--seeds", "0"], ["argument --seeds: 0 is not allowed"]),
    (["compare", "--workers", "0", "--steps", "2"], ["argument --workers: 0 is not allowed"]),
    (["compare", "--scheduler", "bogus://x"], ["argument --scheduler:", "the scheme 'bogus' is not allowed"]),
    (["compare", "--scheduler", "tcp://127.0.0.1:99999"], ["argument --scheduler:", "not a number from 1 to 65535"]),
    (["compare", "--scheduler", "tcp://127.0.0.1"], ["argument --scheduler:", "the port is missing"]),
    (["compare", "--scheduler", "tcp://:8786"], ["argument --scheduler:", "has no host"]),
    (["compare", "--scheduler", "tcp://host:8786/extra"], ["argument --scheduler:", "more than host:port"]),
    (["batch", "scenarios/compare_regimes.toml", "--scheduler", "http://127.0.0.1:8786"],
     ["the scheme 'http' is not allowed"]),
    (["report", "results/README.md"], ["results/README.md: no such folder"]),
    (["report", "nowhere", "--metric", "x"], ["--metric/--target: unknown metric 'x'"]),
]


@pytest.mark.parametrize("argv, parts", OPTIONS, ids=[" ".join(a) for a, _ in OPTIONS])
def test_bad_options_are_one_line_and_status_2(capsys, monkeypatch, argv, parts):
    monkeypatch.chdir(ROOT)
    try:
        status = main(argv)
    except SystemExit as e:
        status = e.code
    err = capsys.readouterr().err
    assert status == 2, err
    for part in parts:
        assert part in err, f"{part!r} not in {err!r}"
    assert "Traceback" not in err


def test_out_naming_a_file_is_refused(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(GOOD_SCENARIO)
    a_file = tmp_path / "taken"
    a_file.write_text("mine")
    for argv in (["batch", str(scenario), "--serial", "--out", str(a_file)],
                 ["batch", str(scenario), "--serial", "--out", str(a_file / "below")],
                 ["sensitivity", str(scenario), "--serial", "--out", str(a_file)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"--out {argv[-1]}:" in err and "is a file" in err and "Traceback" not in err
    assert a_file.read_text() == "mine"




# --------------------------------------------------------------------------------- schedulers that are not Dask
class Listener:
    """A local TCP server that is not Dask: silent, or an HTTP-like one that waits for a request."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_a_listener_that_is_not_dask_fails_clearly_within_the_timeout(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(GOOD_SCENARIO)
    listener = Listener()
    try:
        start = time.monotonic()
        status = main(["batch", str(scenario), "--quiet", "--scheduler", f"tcp://127.0.0.1:{listener.port}",
                       "--out", str(tmp_path / "r")])
        took = time.monotonic() - start
    finally:
        listener.close()
    err = capsys.readouterr().err
    assert status == 2 and took < 10, (status, took)
    assert "did not answer as a Dask scheduler within 5 s" in err and "Traceback" not in err
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there now
    assert main(["batch", str(scenario), "--quiet", "--scheduler", f"127.0.0.1:{port}"]) == 2
    assert "cannot connect" in capsys.readouterr().err
