"""Where config.toml and the other artifacts live, following gitlab-runner."""

from __future__ import annotations

import os
from pathlib import Path

SYSTEM_CONFIG = Path("/etc/gitlab-runner/config.toml")
OUT_DIR_NAME = "ask-runner-wizard"


def default_config_path(
    *,
    env: dict[str, str] | None = None,
    euid: int | None = None,
    home: Path | None = None,
) -> Path:
    """gitlab-runner's own default: CONFIG_FILE, else /etc as root, else ~/.gitlab-runner."""
    env = os.environ if env is None else env
    if env.get("CONFIG_FILE"):
        return Path(env["CONFIG_FILE"]).expanduser()
    euid = os.geteuid() if euid is None else euid
    if euid == 0:
        return SYSTEM_CONFIG
    home = Path.home() if home is None else home
    return home / ".gitlab-runner" / "config.toml"


def resolve_config_path(config: str | os.PathLike[str] | None) -> Path:
    """The config.toml to edit: the one given, or gitlab-runner's default."""
    if config:
        return Path(config).expanduser()
    return default_config_path()


def default_out_dir(config_path: Path) -> Path:
    """Other artifacts go to a folder beside config.toml."""
    return config_path.parent / OUT_DIR_NAME


def resolve_out_dir(out: str | os.PathLike[str] | None, config_path: Path) -> Path:
    """The artifacts folder: the one given, or the default beside config.toml."""
    if out:
        return Path(out).expanduser()
    return default_out_dir(config_path)
