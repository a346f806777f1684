"""Kazakhstan's clock comes from zone data Ferryman vouches for, whatever the server has."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from bot.domain.zones import StaleZoneData, check_zone_data, zone

ROOT = Path(__file__).resolve().parents[2]


def old_zone_folder(tmp_path: Path) -> Path:
    """A zone search path whose Asia/Almaty predates tzdata 2024a: a fixed UTC+6."""
    folder = tmp_path / "zoneinfo"
    (folder / "Asia").mkdir(parents=True)
    with resources.as_file(resources.files("tzdata.zoneinfo").joinpath("Etc", "GMT-6")) as src:
        shutil.copyfile(src, folder / "Asia" / "Almaty")
    return folder


def test_a_crossing_at_2330_kazakhstan_time_counts_that_day_with_an_old_system_zone_file(
    tmp_path: Path,
) -> None:
    folder = old_zone_folder(tmp_path)
    # A fresh interpreter whose zone search path holds only the old file, as on an old server.
    code = (
        "from datetime import UTC, datetime\n"
        "from zoneinfo import ZoneInfo\n"
        "from bot.domain.visa import BorderEvent, BorderEventKind, visa_status\n"
        "at = datetime(2024, 6, 1, 18, 30, tzinfo=UTC)\n"  # 23:30 in Kazakhstan (UTC+5)
        "print(at.astimezone(ZoneInfo('Asia/Almaty')).utcoffset())\n"
        "status = visa_status([BorderEvent(BorderEventKind.CROSSED, at)], at)\n"
        "print(status.stay_started, status.must_leave_by)\n"
    )
    env = {**os.environ, "PYTHONTZPATH": str(folder)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    system_offset, figures = result.stdout.splitlines()
    assert system_offset == "6:00:00"  # the trap is really there for plain zoneinfo
    assert figures == "2024-06-01 2024-06-30"


def test_stale_zone_data_is_refused_with_the_fix_named(tmp_path: Path) -> None:
    old = old_zone_folder(tmp_path) / "Asia" / "Almaty"

    def old_copy(key: str) -> ZoneInfo:
        if key != "Asia/Almaty":
            return zone(key)
        with old.open("rb") as stream:
            return ZoneInfo.from_file(stream, key=key)

    with pytest.raises(StaleZoneData) as refused:
        check_zone_data(old_copy)
    message = str(refused.value)
    assert "Asia/Almaty should be UTC+5 since 2024-03-01 but this copy says UTC+6" in message
    assert "pip install --upgrade 'tzdata>=2024.1'" in message


def test_the_installed_zone_data_is_current() -> None:
    check_zone_data()
    assert zone("Asia/Almaty").key == "Asia/Almaty"
    assert zone("Asia/Shanghai") is zone("Asia/Shanghai")


@pytest.mark.parametrize("name", ["Asia", "Mars/Olympus", "UTC+8", "../zoneinfo", "", "/etc/x"])
def test_names_that_are_not_zones_are_unknown(name: str) -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        zone(name)


def test_ferryman_refuses_to_start_on_stale_zone_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli

    def stale() -> None:
        raise StaleZoneData("Asia/Almaty", timedelta(hours=5), timedelta(hours=6))

    monkeypatch.setattr(cli, "check_zone_data", stale)
    monkeypatch.setattr(cli, "_EXTRA_COMMANDS", [])
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    assert cli.main(["check-config", str(config)]) == cli.EXIT_CONFIG
    assert "tzdata>=2024.1" in capsys.readouterr().err
