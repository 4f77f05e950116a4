"""TaskSpec: what to copy from where to where, loaded from (and saved to) the TOML task file.

Every validation error is an InputError whose message starts with the field it is about
(``options.same_name: ...``), because that is where the operator has to look.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wizard.errors import InputError
from wizard.secrets import check_reference

KINDS = ("s3", "oss", "cos", "local", "urllist")
SAME_NAME = ("overwrite", "skip", "skip-identical", "newer")
VERIFY = ("size", "checksum")

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4, "tb": 10**12}
_BITS = {"bit": 1, "kbit": 1000, "mbit": 10**6, "gbit": 10**9, "bps": 1, "kbps": 1000, "mbps": 10**6, "gbps": 10**9}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)(?:/s)?\s*$")


RATE_MAX = 2**40              # bytes/s: 1 TiB/s, far above any link; larger is a typing slip
QPS_MAX = 1_000_000
CONCURRENCY_MAX = 1024
PART_MIN, PART_MAX = 5 * 1024**2, 5 * 1024**3      # what S3, OSS and COS accept for a part (and a single PUT)


def _number_text(value: Any) -> str:
    """A number or a short text for an error sentence (never a credential: no credential field comes here)."""
    text = repr(value) if isinstance(value, (int, float)) else json.dumps(str(value), ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _amount(value: Any, where: str, what: str, rates: bool) -> float | int:
    """A non-negative finite amount from a number or a text with a unit ("50MiB", and "80Mbit" when ``rates``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{where}: expected {what}, got {_number_text(value)}")
    n: float | int = 0
    if isinstance(value, str):
        m = _SIZE.match(value)
        unit = m.group(2).lower() if m else ""
        if not m or (unit not in _UNITS and (not rates or unit not in _BITS)):
            raise InputError(f"{where}: {_number_text(value)} is not {what}")
        number = float(m.group(1))
        n = number * _UNITS[unit] if unit in _UNITS else number * _BITS[unit] / 8
    else:
        n = value
    if (isinstance(n, float) and not math.isfinite(n)) or n < 0:
        raise InputError(f"{where}: expected {what}, got {_number_text(value)}")
    return n


def parse_rate(value: Any, where: str) -> int:
    """Bytes per second from 0, 1048576, "50MiB", "80Mbit" (bits are divided by 8); 0 means no limit.
    The one validation of a bandwidth limit: the task file, the API (PATCH limits) and the wizard all call it."""
    what = "bytes per second from 0 (no limit) to 1TiB/s, like 0, 1048576, \"50MiB\" or \"80Mbit\""
    n = _amount(value, where, what, rates=True)
    if n > RATE_MAX:
        raise InputError(f"{where}: expected {what}, got {_number_text(value)}")
    return int(n)


def parse_size(value: Any, where: str, low: int = PART_MIN, high: int = PART_MAX,
               why: str = "stores refuse parts outside that") -> int:
    """Bytes from 8388608 or "8MiB", between ``low`` and ``high`` (the sentence says which, and ``why``)."""
    what = f"a size from {_iec(low)} to {_iec(high)}, like \"16MiB\""
    n = _amount(value, where, what, rates=False)
    if not low <= n <= high:
        raise InputError(f"{where}: expected {what} ({why}), got {_number_text(value)}")
    return int(n)


def check_part_size(value: Any, where: str) -> int:
    """The size of a multipart upload's parts: 5MiB to 5GiB, what S3, OSS and COS all accept."""
    return parse_size(value, where)


def check_threshold(value: Any, where: str) -> int:
    """The size from which an object goes up in parts: 5MiB to 5GiB (no store takes a single PUT above 5GiB)."""
    return parse_size(value, where, why="above it objects go in parts, and no store takes one upload over 5GiB")


def check_qps(value: Any, where: str) -> float:
    """Requests per second, 0 = no limit: the one validation of a QPS limit (task file, API, wizard)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= QPS_MAX:
        raise InputError(f"{where}: expected requests per second from 0 (no limit) to {QPS_MAX:,}, "
                         f"got {_number_text(value)}")
    return float(value)


def check_concurrency(value: Any, where: str) -> int:
    """Objects copied at once: a whole number from 1 to CONCURRENCY_MAX."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CONCURRENCY_MAX:
        raise InputError(f"{where}: expected a whole number from 1 to {CONCURRENCY_MAX}, got {_number_text(value)}")
    return value


def _iec(n: int) -> str:
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


@dataclass
class Location:
    """One side of a task: a kind of store and where in it."""

    kind: str
    bucket: str = ""
    endpoint: str = ""
    prefix: str = ""
    credentials: str = ""
    region: str = ""
    path_style: bool | None = None
    path: str = ""                  # local: the folder
    list_file: str = ""             # urllist: the file of URLs (key "list" in the task file)
    strip_prefix: str = ""          # urllist: removed from the front of each URL path
    add_prefix: str = ""            # urllist: put in front of each key

    def describe(self) -> str:
        if self.kind == "local":
            return f"local:{self.path}"
        if self.kind == "urllist":
            return f"urllist:{self.list_file}"
        return f"{self.kind}:{self.bucket}/{self.prefix}"


@dataclass
class Options:
    """How to copy."""

    same_name: str = "overwrite"
    qps_limit: float = 0
    bandwidth_limit: int = 0
    concurrency: int = 32
    verify: str = "checksum"
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    part_size: int = 16 * 1024 * 1024
    multipart_threshold: int = 64 * 1024 * 1024
    storage_class: str = ""         # the destination's class for every object; "" maps the source's by tier
    schedule: list[str] = field(default_factory=list)   # weekly windows of other limits (wizard/engine/schedule.py)


@dataclass
class TaskSpec:
    """A whole task. ``identity()`` is what a journal is bound to: changing it means a new task."""

    name: str
    source: Location
    destination: Location
    options: Options = field(default_factory=Options)

    def identity(self) -> str:
        keep = {"source": _identity(self.source), "destination": _identity(self.destination),
                "include": self.options.include, "exclude": self.options.exclude}
        return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]

    def to_toml(self) -> str:
        """The task file text (no secrets: credentials are references)."""
        lines = [f"name = {_toml_str(self.name)}"]
        for section, loc in (("source", self.source), ("destination", self.destination)):
            lines += ["", f"[{section}]"]
            for k, v in asdict(loc).items():
                if v not in ("", None):
                    lines.append(f"{'list' if k == 'list_file' else k} = {_toml_value(v)}")
        lines += ["", "[options]"]
        for k, v in asdict(self.options).items():
            lines.append(f"{k} = {_toml_value(v)}")
        return "\n".join(lines) + "\n"


def _identity(loc: Location) -> dict[str, Any]:
    return {"kind": loc.kind, "endpoint": loc.endpoint.rstrip("/"), "bucket": loc.bucket, "prefix": loc.prefix,
            "path": str(Path(loc.path).expanduser().absolute()) if loc.path else "", "list": loc.list_file,
            "strip_prefix": loc.strip_prefix, "add_prefix": loc.add_prefix}


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_str(x) for x in v) + "]"
    return _toml_str(str(v))


_LOC_KEYS = {"kind", "bucket", "endpoint", "prefix", "credentials", "region", "path_style", "path", "list",
             "strip_prefix", "add_prefix"}
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_OSS_REGION_HOST = re.compile(r"^oss-[a-z0-9-]+\.aliyuncs\.com$")
_COS_BUCKET = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d{1,12}$")


def _str(table: dict[str, Any], key: str, where: str, required: bool = False) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise InputError(f"{where}.{key}: expected text, got {_number_text(value)}")
    if required and not value.strip():
        raise InputError(f"{where}.{key}: is required")
    return check_text(value, f"{where}.{key}", controls=key not in ("prefix", "strip_prefix", "add_prefix"))


def check_text(value: str, where: str, controls: bool = True) -> str:
    """Text that can be written to a UTF-8 file and a path: no lone surrogate, no NUL; no control characters
    either unless ``controls`` is false (object keys, hence prefixes, may hold them)."""
    bad = next((c for c in value if unicodedata.category(c) == "Cs" or c == "\0"
                or (controls and unicodedata.category(c) == "Cc")), None)
    if bad is not None:
        what = "a lone surrogate (broken Unicode)" if unicodedata.category(bad) == "Cs" else "a control character"
        raise InputError(f"{where}: holds {what} at position {value.index(bad) + 1}; type it again as plain text")
    return value


NAME_MAX = 200


def check_name(value: Any, where: str = "name") -> str:
    """A task's name: printable text of 1 to NAME_MAX characters (it names files and folders, and shows in lists)."""
    if not isinstance(value, str):
        raise InputError(f"{where}: expected a text, got {_number_text(value)}")
    value = check_text(value, where).strip()
    if not value:
        raise InputError(f"{where}: is required (a short name for the task)")
    if len(value) > NAME_MAX or any(unicodedata.category(c) in ("Zl", "Zp") for c in value):
        raise InputError(f"{where}: must be one line of at most {NAME_MAX} characters")
    return value


def _anchored(path: str, base: Path | None, field: str) -> str:
    """``path`` made absolute against the task file's folder; a task without a file (sent to an agent) needs
    absolute paths, since the agent cannot know where the sender's relative paths pointed."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return str(p)
    if base is None:
        raise InputError(f"{field}: must be an absolute path (a task sent to an agent has no folder to be "
                         f"relative to), got {path!r}")
    return str(base / p)


def parse_location(table: Any, where: str, base: Path | None) -> Location:
    """Validate one [source] or [destination] table; ``base`` anchors relative paths (None: none allowed)."""
    if not isinstance(table, dict):
        raise InputError(f"{where}: the [{where}] table is missing")
    unknown = sorted(set(table) - _LOC_KEYS)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown key (allowed: {', '.join(sorted(_LOC_KEYS))})")
    kind = _str(table, "kind", where, required=True)
    if kind not in KINDS:
        raise InputError(f"{where}.kind: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    loc = Location(kind=kind, prefix=_str(table, "prefix", where), region=_str(table, "region", where))
    if kind != "urllist":
        for k in ("list", "strip_prefix", "add_prefix"):
            if table.get(k):
                raise InputError(f"{where}.{k}: only a URL list (kind = \"urllist\") takes {k}")
    if kind == "urllist":
        if where == "destination":
            raise InputError("destination.kind: a URL list can only be a source")
        loc.list_file = _anchored(_str(table, "list", where, required=True), base, f"{where}.list")
        loc.strip_prefix = _str(table, "strip_prefix", where)
        loc.add_prefix = _str(table, "add_prefix", where)
        for k in ("bucket", "endpoint", "credentials", "path"):
            if table.get(k):
                raise InputError(f"{where}.{k}: a URL list takes no {k}; give the file of URLs as {where}.list")
        return loc
    if kind == "local":
        loc.path = _anchored(_str(table, "path", where, required=True), base, f"{where}.path")
        for k in ("bucket", "endpoint", "credentials"):
            if table.get(k):
                raise InputError(f"{where}.{k}: a local folder takes no {k}; give its folder as {where}.path")
        return loc
    loc.bucket = _str(table, "bucket", where, required=True)
    if kind == "cos" and not _COS_BUCKET.match(loc.bucket):
        raise InputError(f"{where}.bucket: {loc.bucket!r} is not a COS bucket name: COS buckets carry the "
                         "account's APPID, like \"photos-1250000000\"")
    if kind == "s3" and not _BUCKET.match(loc.bucket):
        raise InputError(f"{where}.bucket: {loc.bucket!r} is not a valid bucket name (3-63 lower-case letters, "
                         "digits, '.' and '-')")
    loc.endpoint = _str(table, "endpoint", where, required=True)
    if "@" in loc.endpoint:   # user info (AKID:SECRET@host) is a pasted secret: refused, never repeated
        raise InputError(f"{where}.endpoint: must not hold a user name or password (the keys go in "
                         "\"credentials\"); the value given is not shown")
    parts = urlsplit(loc.endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise InputError(f"{where}.endpoint: {loc.endpoint!r} is not an endpoint URL like "
                         "\"https://s3.example.com\" (scheme and host, no path)")
    try:
        _ = parts.port
    except ValueError:
        raise InputError(f"{where}.endpoint: {loc.endpoint!r} has an invalid port") from None
    if kind == "oss" and not loc.region and not _OSS_REGION_HOST.match(parts.hostname or ""):
        raise InputError(f"{where}.region: required with an OSS endpoint that does not name its region "
                         "(like \"cn-hangzhou\")")
    loc.credentials = check_reference(table.get("credentials", ""), f"{where}.credentials")
    style = table.get("path_style")
    if style is not None and not isinstance(style, bool):
        raise InputError(f"{where}.path_style: expected true or false, got {style!r}")
    loc.path_style = style
    return loc


_OBJECT_STORES = ("s3", "oss", "cos")
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1"}


# Clouds where a bucket name is one bucket whatever endpoint reaches it (internal, public, S3-compatible).
_GLOBAL_NAMES = {".aliyuncs.com": "oss", ".myqcloud.com": "cos", ".tencentcos.cn": "cos"}


def _store_address(loc: Location) -> tuple[str, int, str]:
    """(host, port, bucket) of an object store, the same for every way of writing one endpoint: upper case,
    a trailing dot, a default port spelled out, the loopback under any of its names. OSS and COS bucket names
    are unique in their cloud, so there any endpoint (internal, public, S3-compatible) names the same bucket."""
    parts = urlsplit(loc.endpoint)
    host = (parts.hostname or "").rstrip(".").lower()
    for suffix, cloud in _GLOBAL_NAMES.items():
        if host.endswith(suffix):
            return cloud, 0, loc.bucket
    host = "localhost" if host in _LOOPBACK else host
    return host, parts.port or (443 if parts.scheme == "https" else 80), loc.bucket


def check_overlap(source: Location, destination: Location) -> None:
    """Refuse a destination that overlaps its source: the copy would read its own copies back (and the next
    pass copy the copies), or overwrite the source. Object keys: one prefix starting the other (so "a/" and "ab/"
    are apart, "" holds everything); folders: the same folder or one inside the other, links resolved."""
    if source.kind in _OBJECT_STORES and destination.kind in _OBJECT_STORES:
        if _store_address(source) != _store_address(destination):
            return
        a, b = source.prefix, destination.prefix
        if a.startswith(b) or b.startswith(a):
            where = ("the same prefix" if a == b else "the whole bucket" if not a or not b else
                     "a prefix inside the other")
            raise InputError(f"destination.prefix: the destination overlaps the source (bucket {source.bucket!r} "
                             f"at the same endpoint, {where}: {json.dumps(a, ensure_ascii=False)} and "
                             f"{json.dumps(b, ensure_ascii=False)}); choose another bucket, or prefixes where "
                             "neither starts the other")
    elif source.kind == destination.kind == "local":
        src, dst = Path(source.path).resolve(), Path(destination.path).resolve()
        if src == dst or src in dst.parents or dst in src.parents:
            how = ("is the source folder" if src == dst else "is inside the source folder" if src in dst.parents
                   else "holds the source folder")
            raise InputError(f"destination.path: the destination folder {how} ({src}); choose a folder outside "
                             "it that does not hold it either")


_OPT_KEYS = {"same_name", "qps_limit", "bandwidth_limit", "concurrency", "verify", "include", "exclude",
             "storage_class", "part_size", "multipart_threshold", "schedule"}


def parse_options(table: Any) -> Options:
    """Validate the [options] table (all optional)."""
    if table is None:
        return Options()
    if not isinstance(table, dict):
        raise InputError("options: expected a table [options]")
    unknown = sorted(set(table) - _OPT_KEYS)
    if unknown:
        raise InputError(f"options.{unknown[0]}: unknown option (allowed: {', '.join(sorted(_OPT_KEYS))})")
    o = Options()
    if "same_name" in table:
        if table["same_name"] not in SAME_NAME:
            raise InputError(f"options.same_name: {table['same_name']!r} is not one of {', '.join(SAME_NAME)}")
        o.same_name = table["same_name"]
    if "storage_class" in table:
        if not isinstance(table["storage_class"], str):
            raise InputError(f"options.storage_class: expected a class name, got {table['storage_class']!r}")
        o.storage_class = table["storage_class"].strip()
    if "verify" in table:
        if table["verify"] not in VERIFY:
            raise InputError(f"options.verify: {table['verify']!r} is not one of {', '.join(VERIFY)}")
        o.verify = table["verify"]
    if "qps_limit" in table:
        o.qps_limit = check_qps(table["qps_limit"], "options.qps_limit")
    if "bandwidth_limit" in table:
        o.bandwidth_limit = parse_rate(table["bandwidth_limit"], "options.bandwidth_limit")
    if "concurrency" in table:
        o.concurrency = check_concurrency(table["concurrency"], "options.concurrency")
    for key in ("include", "exclude"):
        if key in table:
            v = table[key]
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
                raise InputError(f"options.{key}: expected a list of glob patterns like [\"*.jpg\"]")
            for x in v:
                check_text(x, f"options.{key}")
            setattr(o, key, v)
    if "part_size" in table:
        o.part_size = check_part_size(table["part_size"], "options.part_size")
    if "multipart_threshold" in table:
        o.multipart_threshold = check_threshold(table["multipart_threshold"], "options.multipart_threshold")
    if "schedule" in table:
        # Imported here: the schedule module takes parse_rate and check_qps from this one (one rule per limit),
        # so a module-level import would be a cycle.
        from wizard.engine.schedule import check_schedule

        o.schedule = check_schedule(table["schedule"], "options.schedule")
    return o


def parse_task(data: dict[str, Any], base: Path | None) -> TaskSpec:
    """Validate a parsed task document."""
    unknown = sorted(set(data) - {"name", "source", "destination", "options"})
    if unknown:
        raise InputError(f"{unknown[0]}: unknown key at the top of the task file")
    if data.get("name") is None:
        raise InputError("name: is required (a short name for the task)")
    spec = TaskSpec(name=check_name(data.get("name")), source=parse_location(data.get("source"), "source", base),
                    destination=parse_location(data.get("destination"), "destination", base),
                    options=parse_options(data.get("options")))
    check_overlap(spec.source, spec.destination)
    wanted = spec.options.storage_class
    if wanted:
        from wizard.storage.mapping import CLASSES

        names = [n for n in CLASSES.get(spec.destination.kind, {}).values() if n]
        if wanted not in names:
            raise InputError(f"options.storage_class: {wanted!r} is not a storage class of the destination"
                             + (f" (one of {', '.join(names)})" if names else " (it has none)"))
    return spec


def parse_task_text(text: str, origin: str = "task") -> TaskSpec:
    """A task sent as TOML text (to an agent): like a task file, but local paths must be absolute."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{origin} is not valid TOML: {exc}") from None
    return parse_task(data, None)


def load_task(path: str | Path) -> TaskSpec:
    """Read and validate a task file; InputError names the file's problem in one sentence."""
    p = Path(path)
    return parse_task(read_toml(p, "task file"), p.parent.absolute())


def read_toml(p: Path, what: str) -> dict[str, Any]:
    """A TOML file's table; InputError says in one sentence that ``what`` is missing, unreadable or not TOML."""
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} {p} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} {p} cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{what} {p} is not valid TOML: {exc}") from None
