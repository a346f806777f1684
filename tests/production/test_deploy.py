"""The deployment files stay true: the systemd unit verifies, the image runs as non-root."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd here")
def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (ROOT / "deploy" / "ferryman.service").read_text(encoding="utf-8")
    assert "/opt/ferryman/venv/bin/ferryman run" in unit
    # The unit names the installed path; point it at this checkout's ferryman to verify it.
    ferryman = Path(sys.executable).with_name("ferryman")
    copy = tmp_path / "ferryman.service"
    copy.write_text(unit.replace("/opt/ferryman/venv/bin/ferryman", str(ferryman)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "ferryman.service" not in result.stderr  # no warning about the unit itself


def test_the_dockerfile_runs_ferryman_as_a_non_root_user_with_a_volume() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    final_stage = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM")) :]
    users = [line for line in final_stage if line.startswith("USER ")]
    assert users == ["USER ferryman"]
    assert 'VOLUME ["/var/lib/ferryman"]' in final_stage
    assert 'ENTRYPOINT ["ferryman"]' in final_stage and 'CMD ["run"]' in final_stage
    assert any(line.startswith("HEALTHCHECK") and "health" in line for line in final_stage)


def test_the_guide_is_linked_from_the_readme() -> None:
    assert "docs/deploy.md" in (ROOT / "README.md").read_text(encoding="utf-8")
