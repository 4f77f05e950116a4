"""schemathesis against the live agent and its own OpenAPI document: no 500, no answer outside the schema, no
undeclared status, invalid input rejected. Two harmless local tasks give the task routes a real id (one of them
for DELETE). The endless event stream is left out here; test_service.py follows it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from servers.agent_service import AgentProcess

CHECKS_LEFT_OUT = ",".join([
    "positive_data_acceptance",      # a schema-valid string is rarely a valid task file: 400 is right
    "use_after_free", "ensure_resource_availability", "ignored_auth", "object_level_authorization",  # stateful
])


def _local_task(tmp_path: Path, name: str) -> str:
    src = tmp_path / f"{name}-src"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    return (f'name = "{name}"\n[source]\nkind = "local"\npath = "{src}"\n'
            f'[destination]\nkind = "local"\npath = "{tmp_path / (name + "-dst")}"\n')


def test_schemathesis_finds_no_500_and_no_schema_violation(tmp_path: Path, agent_env: dict[str, str],
                                                           home: Path) -> None:
    service = AgentProcess(agent_env, home).start()
    try:
        kept = service.call("POST", "/v1/tasks", {"task": _local_task(tmp_path, "kept")}, expect=201)["id"]
        doomed = service.call("POST", "/v1/tasks", {"task": _local_task(tmp_path, "doomed")}, expect=201)["id"]
        config = tmp_path / "schemathesis.toml"
        config.write_text(f'[parameters]\n"path.id" = "{kept}"\n\n[[operations]]\n'
                          f'include-name = "DELETE /v1/tasks/{{id}}"\nparameters = {{ "path.id" = "{doomed}" }}\n')
        cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
        r = subprocess.run(
            [cli, "--config-file", str(config), "run", f"{service.url}/v1/openapi.json",
             "-H", f"Authorization: Bearer {service.token}", "--checks", "all", "--exclude-checks", CHECKS_LEFT_OUT,
             "--exclude-path", "/v1/tasks/{id}/events", "--phases", "examples,coverage,fuzzing", "-n", "60",
             "--request-timeout", "20", "--generation-database", "none", "--no-color",
             "--report", "junit", "--report-dir", str(tmp_path / "report")],
            env=agent_env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
        assert " passed" in r.stdout and "failures" not in r.stdout.split("SUMMARY")[-1]
        assert service.proc is not None and service.proc.poll() is None, "the agent survived the fuzzing"
        assert service.call("GET", f"/v1/tasks/{kept}")["id"] == kept
    finally:
        assert service.stop() == 0
    assert "Traceback" not in service.stderr()
