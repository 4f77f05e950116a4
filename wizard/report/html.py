"""The report as one self-contained HTML page: inline CSS, no script, nothing fetched from anywhere.

Every value is escaped: object keys, task names and error classes come from the customer's data and may hold
markup. The texts themselves are escaped too, then filled with values already escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from wizard.report.texts import HTML_LANG, texts_for
from wizard.units import human_bytes

_CSS = """
body { font-family: "Segoe UI", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
       color: #1d2330; margin: 2em auto; max-width: 60em; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #d5d9e0; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #d5d9e0; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f4f7; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, .hash { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 0.92em; word-break: break-all; }
.verdict { padding: 0.5em 0.8em; border-radius: 4px; }
.ok { background: #e7f5ea; border: 1px solid #9fd3aa; }
.bad { background: #fdecec; border: 1px solid #f0a8a8; }
.note { color: #4a5263; }
"""
_CHECKSUM_NAMES = {"sha256": "SHA-256", "sha1": "SHA-1", "crc32": "CRC-32", "crc32c": "CRC-32C",
                   "crc64nvme": "CRC-64/NVME"}


def render_html(data: dict[str, Any]) -> str:
    """The whole page for one report's data (the ``report.json`` shape), in the data's language."""
    page = _Page(texts_for(data["lang"]))
    return page.render(data)


def duration_text(seconds: float) -> str:
    """45s, 12m05s, 3h07m: a pass's duration."""
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _n(value: int) -> str:
    return f"{int(value):,}"


def _size(value: int) -> str:
    return f'<span title="{_n(value)} B">{escape(human_bytes(int(value)))}</span>'


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


class _Page:
    """One page being put together, in one language."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts

    def t(self, key: str, **html_values: str) -> str:
        """A text, escaped, with its placeholders filled by values already HTML."""
        return escape(self.texts[key]).format(**html_values)

    def table(self, heads: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
        head = "".join(f"<th>{self.t(h)}</th>" for h in heads)
        body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if i >= numeric_from else f"<td>{c}</td>"
                                        for i, c in enumerate(row)) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def pairs(self, rows: list[tuple[str, str]]) -> str:
        return "<table>" + "".join(f"<tr><th>{self.t(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"

    def render(self, data: dict[str, Any]) -> str:
        task, totals = data["task"], data["totals"]
        name = escape(str(task["name"]))
        sections = [
            f"<h1>{self.t('title')}</h1>",
            "<p>" + self.t("subtitle", name=f"<strong>{name}</strong>") + "</p>",
            self.verdict(totals),
            self.cutover(data.get("cutover") or {}),
            f"<h2>{self.t('task')}</h2>",
            self.pairs([("task_name", name), ("source", escape(str(task["source"]))),
                        ("destination", escape(str(task["destination"]))),
                        ("identity", _code(str(task.get("identity", "")))),
                        ("generated", escape(str(data["generated_at"])))]),
            f"<h2>{self.t('passes')}</h2>", self.passes(data["passes"]),
            f"<h2>{self.t('totals')}</h2>",
            self.table(["state", "objects", "size"],
                       [[self.t(f"total_{k}"), _n(totals[k]["objects"]), _size(totals[k]["bytes"])]
                        for k in ("copied", "skipped", "failed", "left")]),
            f"<h2>{self.t('verified_how')}</h2>", self.verified(data["verified"]),
            f"<h2>{self.t('not_carried')}</h2>", self.not_carried(data["not_carried"]),
            f"<h2>{self.t('failures')}</h2>", self.failures(data["failures"]),
            f"<h2>{self.t('manifest')}</h2>",
            f'<p class="note">{self.t("manifest_note")}</p>',
            self.pairs([("manifest_file", _code(data["manifest"]["file"])),
                        ("manifest_rows", _n(data["manifest"]["rows"])),
                        ("manifest_bytes", _size(data["manifest"]["bytes"])),
                        ("sha256", f'<span class="hash">{escape(data["manifest"]["sha256"])}</span>')]),
            f"<h2>{self.t('signature')}</h2>",
            self.pairs([("signature_file", _code("SIGNATURE.json")),
                        ("public_key", f'<span class="hash">{escape(data["signer"]["public_key"])}</span>'),
                        ("fingerprint", f'<span class="hash">{escape(data["signer"]["fingerprint"])}</span>')]),
            f"<h2>{self.t('how_to_check')}</h2>",
            "<p>" + self.t("how_to_check_text", command=_code(data["how_to_check"]), pin=_code("--public-key"),
                           key_command=_code("migration-agent report-key")) + "</p>",
        ]
        lang = HTML_LANG[data["lang"]]
        return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{self.t('title')} – {name}</title>\n<style>{_CSS}</style>\n</head>\n"
                "<body>\n" + "\n".join(sections) + "\n</body>\n</html>\n")

    def verdict(self, totals: dict[str, dict[str, int]]) -> str:
        failed, left = totals["failed"]["objects"], totals["left"]["objects"]
        if failed or left:
            return f'<p class="verdict bad">{self.t("incomplete", failed=_n(failed), left=_n(left))}</p>'
        text = self.t("complete", copied=_n(totals["copied"]["objects"]), skipped=_n(totals["skipped"]["objects"]))
        return f'<p class="verdict ok">{text}</p>'

    def cutover(self, cutover: dict[str, Any]) -> str:
        if cutover.get("ready"):
            return f'<p class="verdict ok">{self.t("cutover_ready", number=_n(cutover["final_pass"]))}</p>'
        return f'<p class="note">{self.t("cutover_open")}</p>'

    def passes(self, passes: list[dict[str, Any]]) -> str:
        if not passes:
            return f'<p class="note">{self.t("no_passes")}</p>'
        rows = []
        for p in passes:
            kind = f"kind_{p['kind']}"
            rows.append([_n(p["number"]), self.t(kind) if kind in self.texts else escape(str(p["kind"])),
                         escape(str(p["started"])), escape(duration_text(p["duration_seconds"])),
                         f'{_n(p["listed"])} ({_size(p["listed_bytes"])})', _n(p["new"]), _n(p["changed"]),
                         f'{_n(p["copied"])} ({_size(p["copied_bytes"])})', _n(p["failed"]),
                         f'{_n(p["checked"])} ({_n(p["mismatched"])})' if p["kind"] == "final" else "—"])
        return self.table(["number", "kind", "started", "duration", "listed", "new", "changed", "copied", "failed",
                           "checked"], rows, numeric_from=4)

    def method_label(self, method: str) -> str:
        """``md5+crc64`` -> "MD5 (the source's ETag) + CRC-64"; an unknown proof is shown as it is, escaped."""
        if method.startswith("skipped:"):
            reason = method.removeprefix("skipped:")
            key = f"skip_{reason}"
            return self.t(key) if key in self.texts else self.t("skip_other", reason=escape(reason))
        labels = []
        for proof in method.split("+"):
            if f"m_{proof}" in self.texts:
                labels.append(self.t(f"m_{proof}"))
            elif proof.startswith("checksum-"):
                name = proof.removeprefix("checksum-")
                labels.append(self.t("m_checksum", name=escape(_CHECKSUM_NAMES.get(name, name.upper()))))
            else:
                labels.append(escape(proof))
        return " + ".join(labels)

    def verified(self, verified: dict[str, Any]) -> str:
        rows = [[self.method_label(m["method"]), _n(m["objects"]), _size(m["bytes"])] for m in verified["methods"]]
        out = self.table(["method", "objects", "size"], rows)
        if verified.get("final_checked"):
            out += f'<p class="note">{self.t("final_checked", n=_n(verified["final_checked"]))}</p>'
        return out

    def not_carried(self, lost: dict[str, int]) -> str:
        if not any(lost.values()):
            return f'<p class="note">{self.t("nothing_lost")}</p>'
        return (f'<p class="note">{self.t("not_carried_note")}</p>'
                + self.table(["attribute", "objects"], [[self.t(k), _n(lost.get(k, 0))]
                                                  for k in ("metadata", "storage_class")]))

    def failures(self, classes: dict[str, int]) -> str:
        if not any(classes.values()):
            return f'<p class="note">{self.t("no_failures")}</p>'
        rows = []
        for cls, n in sorted(classes.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            key = f"cls_{cls}"
            label = f"{self.t(key)} ({_code(str(cls))})" if key in self.texts else _code(str(cls))
            rows.append([label, _n(n)])
        note = self.t("failures_note", export=_code("migration-agent export-failed TASK -o failed.csv"),
                      retry=_code("migration-agent retry-failed TASK"))
        return self.table(["error_class", "objects"], rows) + f'<p class="note">{note}</p>'
