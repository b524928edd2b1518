"""`python -m remediation` as a user runs it."""

import subprocess
import sys
from pathlib import Path

from remediation.storage import engine as db

REPO = Path(__file__).resolve().parents[2]


def run(*args, url):
    return subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_init_db_then_demo_then_refuse_a_second_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    init = run("init-db", url=url)
    assert init.returncode == 0 and f"schema at revision {db.head_revision()}" in init.stdout
    demo = run("demo", "--incidents", "3000", "--seed", "2", url=url)
    assert demo.returncode == 0, demo.stderr
    assert "3000 incidents generated and stored" in demo.stdout
    again = run("demo", "--incidents", "10", url=url)
    assert again.returncode == 1 and "already stored" in again.stderr


def test_demo_rejects_a_non_positive_size(tmp_path):
    result = run("demo", "--incidents", "0", url=f"sqlite:///{tmp_path / 'cli.db'}")
    assert result.returncode == 2 and "at least 1" in result.stderr
