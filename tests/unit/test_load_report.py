"""The load test's report (benchmarks/load.py): with two servers every interaction is reported per server and
overall, errors are counted for the server they happened on, and each configuration keeps its own section."""

from __future__ import annotations

from argparse import Namespace

from benchmarks.load import Results, heading, report, write_section


def _args(servers: int) -> Namespace:
    return Namespace(servers=servers, sessions=4, duration=20.0, think=20.0, ramp_up=None, browser_nice=10,
                     animations=False, timeout=30.0, stale_after=2.0)


def _meta(servers: int) -> dict:
    return {"command": "python benchmarks/load.py", "database": "one PostgreSQL database", "database_kind": "PostgreSQL",
            "incidents": "10 incidents", "ports": [8501 + k for k in range(servers)]}


def _results() -> Results:
    results = Results()
    for server, kind, seconds in [(0, "incident", 1.0), (0, "incident", 3.0), (1, "incident", 2.0),
                                  (0, "record", 0.5), (1, "seen", 0.8)]:
        results.times[kind].append(seconds)
        results.by_server[(server, kind)].append(seconds)
        results.server_times[kind].append(seconds / 10)
        results.server_by_server[(server, kind)].append(seconds / 10)
    results.lags.append(0.9)
    results.error("seen", "stale read", "session 1: still the old form", 1)
    return results


def _row(text: str, label: str, server: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {label}") and f"| {server} |" in line)
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_two_servers_are_reported_each_and_together():
    text = report(_args(2), _results(), {"wall": 20.0}, _meta(2))
    assert text.startswith(heading(2, "PostgreSQL") + "\n")
    assert _row(text, "incident:", "A")[2:7] == ["2", "1,000", "3,000", "3,000", "100"]
    assert _row(text, "incident:", "B")[2:4] == ["1", "2,000"]
    assert _row(text, "seen:", "B")[-1] == "1"  # the stale read counts for the server that showed it
    assert _row(text, "seen:", "A")[-1] == "0"
    assert _row(text, "overall", "A")[2] == "3" and _row(text, "overall", "A")[-1] == "0"
    assert _row(text, "overall", "B")[2] == "2" and _row(text, "overall", "B")[-1] == "1"
    assert _row(text, "**overall**", "both")[2] == "5" and _row(text, "**overall**", "both")[-1] == "1"
    assert "Writes: 1 recorded" in text


def test_one_server_keeps_the_table_without_a_server_column():
    text = report(_args(1), _results(), {"wall": 20.0}, _meta(1))
    header = next(line for line in text.splitlines() if line.startswith("| interaction |"))
    assert header == ("| interaction | completed | p50 ms | p95 ms | max ms | server p50 ms | server p95 ms | "
                      "errors |")


def test_each_configuration_replaces_only_its_own_section(tmp_path):
    path = tmp_path / "LOAD.md"
    path.write_text("# Load tests\n\nintro\n")
    write_section(path, heading(1, "SQLite") + "\n\nfirst SQLite\n")
    write_section(path, heading(2, "PostgreSQL") + "\n\ntwo servers\n")
    write_section(path, heading(1, "SQLite") + "\n\nsecond SQLite\n")
    text = path.read_text()
    assert "intro" in text and "two servers" in text and "second SQLite" in text
    assert "first SQLite" not in text
    assert text.index("second SQLite") < text.index("two servers")  # replaced in place


def test_websocket_sessions_have_rows_of_their_own_and_chromium_cpu_is_per_browser_interaction():
    from benchmarks.load import SOCKET

    results = _results()
    for kind, seconds in [("incident" + SOCKET, 0.3), ("record" + SOCKET, 0.6)]:
        results.times[kind].append(seconds)
        results.by_server[(0, kind)].append(seconds)
    args = _args(1)
    args.browser_sessions = 1
    cpu = {"wall": 20.0, "capacity": 40.0, "machine": 20.0, "server": 7.0, "browser": 10.0, "harness": 1.0,
           "other": 0.0}
    text = report(args, results, {"wall": 20.0, "cpu": cpu}, _meta(1))
    assert "**4 concurrent sessions: 1 in a browser** " in text and "**and 3 on the websocket**" in text
    assert _row(text, "incident (websocket):", "1")[1:3] == ["1", "300"]
    assert "Writes: 2 recorded" in text  # the browser's and the websocket session's
    # 5 browser interactions of 7: Chromium's 10 s over the 5, the server's 7 s over all 7
    assert "CPU per interaction: server 1.00 s; Chromium 2.00 s per browser interaction" in text
