"""The OSS and COS test gateways in a process of their own, so a benchmark measures the agent's CPU apart from
the gateways' (they verify every signature and compute CRC-64 of every object).

    python tests/benchmarks/gateways.py < spec.json      # prints {"oss": URL, "cos": URL}, serves until stdin closes

spec.json: {"oss": {"upstream": {"endpoint", "access_key", "secret_key"}, "id", "key"}, "cos": {...}}. Secrets
come on stdin, never on the command line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from servers.cos_gateway import CosGateway  # noqa: E402
from servers.oss_gateway import OssGateway  # noqa: E402


def main() -> int:
    spec = json.loads(sys.stdin.readline())
    oss = OssGateway(SimpleNamespace(**spec["oss"]["upstream"]), spec["oss"]["id"], spec["oss"]["key"]).start()
    cos = CosGateway(SimpleNamespace(**spec["cos"]["upstream"]), spec["cos"]["id"], spec["cos"]["key"]).start()
    print(json.dumps({"oss": oss.endpoint, "cos": cos.endpoint}), flush=True)
    try:
        sys.stdin.read()   # until the parent closes the pipe (or dies)
    finally:
        oss.stop()
        cos.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
