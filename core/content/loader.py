"""Load content/ into a validated Content, reporting every problem as `file:line: path: reason`."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from core.content.schema import CalendarTemplate, Content, Flow, ReminderRule

FLOWS_DIR = "flows"
RULES_FILE = "reminders.yaml"
CALENDAR_FILE = "calendar.yaml"
TEXTS_DIR = "texts"  # texts/*.yaml, one file per area; keys must not repeat across files
MENTORED_ROLES = {"cgp", "kepsek", "pengawas", "guru"}  # roles that have a mentor link


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path or '(top)'}: {self.reason}"


class ContentError(Exception):
    """Content is invalid; `problems` lists each one with file, line and place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Document:
    """A parsed YAML file with the line of every mapping key and sequence item."""

    def __init__(self, path: Path, root: Path) -> None:
        self.name = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
        self.lines: dict[tuple, int] = {}
        raw = path.read_text(encoding="utf-8")
        self.data = self._build(yaml.compose(raw, Loader=yaml.SafeLoader), ())

    def _build(self, node: yaml.Node | None, path: tuple) -> Any:
        if node is None:
            return None
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = yaml.SafeLoader.construct_scalar(yaml.SafeLoader(""), key_node) if isinstance(key_node, yaml.ScalarNode) else str(key_node)
                if key in result:
                    raise _DuplicateKey(key_node.start_mark.line + 1, path + (key,))
                result[key] = self._build(value_node, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, path + (i,)) for i, item in enumerate(node.value)]
        return yaml.SafeLoader("").construct_object(node, deep=True)

    def line_of(self, path: tuple) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


class _DuplicateKey(Exception):
    def __init__(self, line: int, path: tuple) -> None:
        self.line, self.path = line, path


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read(path: Path, root: Path, problems: list[Problem]) -> _Document | None:
    try:
        return _Document(path, root)
    except _DuplicateKey as dup:
        problems.append(Problem(str(path.relative_to(root.parent)), dup.line, _dotted(dup.path), "duplicate key"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(str(path.relative_to(root.parent)), mark.line + 1 if mark else 1, "", f"not valid YAML: {getattr(exc, 'problem', exc)}"))
    except OSError as exc:
        problems.append(Problem(str(path), 1, "", f"cannot read: {exc.strerror}"))
    return None


def _validate(model: type[BaseModel], data: Any, doc: _Document, prefix: tuple, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = prefix + tuple(p for p in error["loc"] if not (isinstance(p, str) and p in ("function-after", "literal")) )
            reason = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                reason = "unknown key"
            problems.append(Problem(doc.name, doc.line_of(loc), _dotted(loc), reason))
        return None


def load_content(content_dir: Path) -> Content:
    """Load and validate every content file; raise ContentError listing all problems."""
    root = Path(content_dir).resolve()
    problems: list[Problem] = []
    digest = hashlib.sha256()
    if not root.is_dir():
        raise ContentError([Problem(str(root), 1, "", "content directory not found")])

    flows: dict[str, Flow] = {}
    flow_docs: dict[str, tuple[_Document, int]] = {}
    for path in sorted((root / FLOWS_DIR).glob("*.yaml")):
        digest.update(path.read_bytes())
        doc = _read(path, root, problems)
        if doc is None:
            continue
        flow = _validate(Flow, doc.data, doc, (), problems)
        if flow is None:
            continue
        if flow.id in flows:
            problems.append(Problem(doc.name, doc.line_of(("id",)), "id", f"duplicate flow id {flow.id!r} (also in {flow_docs[flow.id][0].name})"))
            continue
        flows[flow.id] = flow
        flow_docs[flow.id] = (doc, 0)

    singles: dict[str, tuple[_Document | None, Any]] = {}
    for name in (RULES_FILE, CALENDAR_FILE):
        path = root / name
        if not path.exists():
            problems.append(Problem(f"{root.name}/{name}", 1, "", "file missing"))
            singles[name] = (None, None)
            continue
        digest.update(path.read_bytes())
        doc = _read(path, root, problems)
        singles[name] = (doc, doc.data if doc else None)

    rules: list[ReminderRule] = []
    rules_doc, rules_data = singles[RULES_FILE]
    if rules_doc is not None:
        items = (rules_data or {}).get("rules") if isinstance(rules_data, dict) else None
        if not isinstance(items, list):
            problems.append(Problem(rules_doc.name, 1, "rules", "expected a list under 'rules'"))
        else:
            seen: set[str] = set()
            for i, item in enumerate(items):
                rule = _validate(ReminderRule, item, rules_doc, ("rules", i), problems)
                if rule is None:
                    continue
                where = ("rules", i)
                if rule.id in seen:
                    problems.append(Problem(rules_doc.name, rules_doc.line_of(where + ("id",)), _dotted(where + ("id",)), f"duplicate rule id {rule.id!r}"))
                seen.add(rule.id)
                for key, ref in (("flow", rule.flow), ("stop_on_submit", rule.stop_on_submit)):
                    if ref and ref not in flows:
                        problems.append(Problem(rules_doc.name, rules_doc.line_of(where + (key,)), _dotted(where + (key,)), f"unknown flow {ref!r}"))
                if rule.on == "flow_unfinished" and not rule.flow:
                    problems.append(Problem(rules_doc.name, rules_doc.line_of(where + ("on",)), _dotted(where + ("on",)), "a flow_unfinished rule needs 'flow'"))
                rules.append(rule)

    calendar = None
    cal_doc, cal_data = singles[CALENDAR_FILE]
    if cal_doc is not None:
        calendar = _validate(CalendarTemplate, cal_data, cal_doc, (), problems)

    texts: dict[str, str] = {}
    text_files = sorted((root / TEXTS_DIR).glob("*.yaml"))
    if not text_files:
        problems.append(Problem(f"{root.name}/{TEXTS_DIR}", 1, "", "no text files (texts/*.yaml)"))
    for path in text_files:
        digest.update(path.read_bytes())
        doc = _read(path, root, problems)
        if doc is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem(doc.name, 1, "", "expected a mapping of text keys"))
            continue
        _flatten_texts(doc.data, (), texts, doc, problems)

    for flow_id, flow in flows.items():
        doc = flow_docs[flow_id][0]
        if "mentor" in flow.summary_to and flow.subject == "self" and not set(flow.audience) & MENTORED_ROLES:
            problems.append(Problem(doc.name, doc.line_of(("summary_to",)), "summary_to", "summary to 'mentor' but no audience role has a mentor"))
        if flow.carry_forward:
            src = flows.get(flow.carry_forward.from_flow)
            where = ("carry_forward", "from_flow")
            if src is None:
                problems.append(Problem(doc.name, doc.line_of(where), _dotted(where), f"unknown flow {flow.carry_forward.from_flow!r}"))
            else:
                known = {q.id for q in src.questions()}
                for j, qid in enumerate(flow.carry_forward.questions):
                    if qid not in known:
                        problems.append(Problem(doc.name, doc.line_of(("carry_forward", "questions", j)), f"carry_forward.questions[{j}]", f"flow {src.id!r} has no question {qid!r}"))

    if problems:
        raise ContentError(problems)
    return Content(version=digest.hexdigest()[:12], flows=flows, rules=rules, calendar=calendar, texts=texts)


def _flatten_texts(data: dict, prefix: tuple, out: dict[str, str], doc: _Document, problems: list[Problem]) -> None:
    """Nested text groups become dotted keys: {reminder: {rpp: …}} → 'reminder.rpp'."""
    for key, value in data.items():
        path = prefix + (str(key),)
        if isinstance(value, dict):
            _flatten_texts(value, path, out, doc, problems)
        elif isinstance(value, str):
            key = ".".join(path)
            if key in out:
                problems.append(Problem(doc.name, doc.line_of(path), _dotted(path), f"text key {key!r} defined twice"))
            out[key] = value
        else:
            problems.append(Problem(doc.name, doc.line_of(path), _dotted(path), "a text must be a string"))
