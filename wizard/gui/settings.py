"""The wizard's settings (JSON in the config folder): language, saved credential names, the semi-managed mode's
addresses. Never a secret: secrets live in the system keyring only."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wizard.paths import config_dir


@dataclass
class Settings:
    """What the wizard remembers between runs."""

    language: str = ""
    saved_credentials: list[str] = field(default_factory=list)     # keyring entry names the operator kept
    mode: dict[str, Any] = field(default_factory=dict)              # semi-managed: host, port, user, key file, ...
    masters: list[dict[str, Any]] = field(default_factory=list)     # every master brought up: the start page
                                                                    # lists their tasks

    @staticmethod
    def path() -> Path:
        return config_dir() / "settings.json"

    @classmethod
    def load(cls) -> Settings:
        try:
            data = json.loads(cls.path().read_text(encoding="utf-8"))
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        except (OSError, ValueError, TypeError):
            return cls()

    def save(self) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
