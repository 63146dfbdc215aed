"""Load content/ into a validated Content, reporting every problem as `file:line: path: reason`."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from core.zones import FALLBACK_TZ
from core.content.schema import (
    CalendarTemplate, Content, EventRef, Flow, HolidaySettings, KomunitasBelajar, PmoGuide, ReminderRule,
)
from core.content.templates import TEMPLATE_NAMES, TEMPLATES_DIR, problem as template_problem

FLOWS_DIR = "flows"
RULES_FILE = "reminders.yaml"
CALENDAR_FILE = "calendar.yaml"
KB_FILE = "komunitas_belajar.yaml"  # optional: Sekolah Penggerak workshops
PMO_FILE = "pmo.yaml"  # optional: PMO level sekolah guide
HOLIDAYS_FILE = "holidays.yaml"  # optional: days off beyond the national holidays; without it none count
TEXTS_DIR = "texts"  # texts/*.yaml, one file per area; keys must not repeat across files
MENTORED_ROLES = {"cgp", "kepsek", "pengawas", "guru"}  # roles that have a mentor link
MENTOR_ROLES = {"pp", "fsp"}  # roles that fill flows about a mentee


_CONSTRUCTOR = yaml.SafeLoader("")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same nodes, faster


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


class _Flows(dict[str, Flow]):
    """Valid flows by id; ids of flow files that failed validation count as known, so one broken
    flow is reported once and not again by everything that refers to it."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: set[str] = set()

    def dangling(self, ref: str | None) -> bool:
        return bool(ref) and ref not in self and ref not in self.broken


class _DuplicateKey(Exception):
    def __init__(self, line: int, path: tuple) -> None:
        self.line, self.path = line, path


class _Document:
    """A parsed YAML file with the line of every mapping key and sequence item."""

    def __init__(self, path: Path, root: Path) -> None:
        self.name = _name(path, root)
        self.lines: dict[tuple, int] = {}
        self.data = self._build(yaml.compose(path.read_text(encoding="utf-8"), Loader=_LOADER), ())

    def _build(self, node: yaml.Node | None, path: tuple) -> Any:
        if node is None:
            return None
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = _key(key_node)
                if key in result:
                    raise _DuplicateKey(key_node.start_mark.line + 1, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                result[key] = self._build(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, path + (i,)) for i, item in enumerate(node.value)]
        return _scalar(node)

    def line_of(self, path: tuple) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: tuple, reason: str) -> Problem:
        return Problem(self.name, self.line_of(path), _dotted(path), reason)


def _scalar(node: yaml.Node) -> Any:
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except ValueError:  # a date that does not exist (2026-02-30): left as text, for validation to report
        return node.value


def _key(node: yaml.Node) -> Any:
    """A mapping key; YAML 1.1 booleans (`on:`, `yes:`) stay the word they are written as."""
    if not isinstance(node, yaml.ScalarNode):
        return str(node)
    value = _scalar(node)
    return node.value if isinstance(value, bool) else value


def _name(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read(path: Path, root: Path, problems: list[Problem]) -> _Document | None:
    try:
        return _Document(path, root)
    except _DuplicateKey as dup:
        problems.append(Problem(_name(path, root), dup.line, _dotted(dup.path), "duplicate key"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(_name(path, root), mark.line + 1 if mark else 1, "", f"not valid YAML: {getattr(exc, 'problem', None) or exc}"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(_name(path, root), 1, "", f"cannot read: {exc}"))
    return None


def _data_path(data: Any, loc: tuple) -> tuple:
    """Keep the parts of a pydantic error location that exist in the data (drop union tags)."""
    path: list = []
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and part.isidentifier() and part[:1].islower() and isinstance(data, dict):
            path.append(part)  # a missing key: report it under its parent
            data = None
            continue
        else:
            continue  # a union or validator tag such as 'EventRef' or "literal['flow_unfinished']"
        path.append(part)
    return tuple(path)


def _validate(model: type[BaseModel], data: Any, doc: _Document, prefix: tuple, problems: list[Problem], skip: tuple[str, ...] = ()) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            reason = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                reason = "unknown key"
            elif error["type"] == "missing":
                reason = f"missing key {error['loc'][-1]!r}"
            loc = _data_path(data, tuple(error["loc"]))
            if error["type"] == "missing" and loc and loc[-1] == error["loc"][-1]:
                loc = loc[:-1]
            if not loc and reason.startswith(skip):
                continue
            problems.append(doc.problem(prefix + loc, reason))
        return None


def _question_paths(section: Any, path: tuple) -> list[tuple[str, tuple]]:
    """(question id, path of the question) for a raw section and its subsections."""
    found: list[tuple[str, tuple]] = []
    if not isinstance(section, dict):
        return found
    for i, question in enumerate(section.get("questions") or []):
        if isinstance(question, dict) and isinstance(question.get("id"), str):
            found.append((question["id"], path + ("questions", i)))
    for i, child in enumerate(section.get("sections") or []):
        found.extend(_question_paths(child, path + ("sections", i)))
    return found


def _flow_duplicates(doc: _Document, problems: list[Problem]) -> None:
    """Report repeated question and section ids at the line of the repeat."""
    data = doc.data if isinstance(doc.data, dict) else {}
    questions: list[tuple[str, tuple]] = []
    sections: list[tuple[str, tuple]] = []
    carry = data.get("carry_forward")
    if isinstance(carry, dict) and isinstance(carry.get("question"), dict):
        questions.append((carry["question"].get("id"), ("carry_forward", "question")))

    def walk(items: Any, path: tuple) -> None:
        for i, section in enumerate(items if isinstance(items, list) else []):
            if isinstance(section, dict):
                sections.append((section.get("id"), path + (i,)))
                walk(section.get("sections"), path + (i, "sections"))

    walk(data.get("sections"), ("sections",))
    top = data.get("sections")
    for i, section in enumerate(top if isinstance(top, list) else []):
        questions.extend(_question_paths(section, ("sections", i)))
    for what, items in (("question", questions), ("section", sections)):
        first: dict[str, tuple] = {}
        for ident, path in items:
            if ident is None:
                continue
            if ident in first:
                problems.append(doc.problem(path + ("id",), f"duplicate {what} id {ident!r} (first at line {doc.line_of(first[ident] + ('id',))})"))
            else:
                first[ident] = path


def _check_event(ref: EventRef | None, calendar: CalendarTemplate | None, doc: _Document, path: tuple, problems: list[Problem]) -> None:
    if ref is None or calendar is None:
        return
    allowed = calendar.event_numbers(ref.kind)
    if allowed is None:
        if ref.number is not None:
            problems.append(doc.problem(path + ("number",), f"{ref.kind} events carry no number"))
    elif ref.number is not None and ref.number not in allowed:
        problems.append(doc.problem(path + ("number",), f"{ref.kind} {ref.number} is not in the calendar (known: {', '.join(map(str, sorted(allowed)))})"))


def load_content(content_dir: Path, default_tz: str = FALLBACK_TZ) -> Content:
    """Load and validate every content file; raise ContentError listing all problems.

    `default_tz` (Settings.default_tz) is the zone of people without one; it travels with the content.
    """
    root = Path(content_dir).resolve()
    problems: list[Problem] = []
    digest = hashlib.sha256()
    if not root.is_dir():
        raise ContentError([Problem(str(root), 1, "", "content directory not found")])

    def read(path: Path) -> _Document | None:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
        return _read(path, root, problems)

    flows = _Flows()
    flow_docs: dict[str, _Document] = {}
    for path in sorted((root / FLOWS_DIR).glob("*.yaml")):
        doc = read(path)
        if doc is None:
            continue
        _flow_duplicates(doc, problems)
        flow = _validate(Flow, doc.data, doc, (), problems, skip=("duplicate question id", "duplicate section id"))
        if flow is None:
            if isinstance(doc.data, dict) and isinstance(doc.data.get("id"), str):
                flows.broken.add(doc.data["id"])
            continue
        if flow.id in flows:
            problems.append(doc.problem(("id",), f"duplicate flow id {flow.id!r} (also in {flow_docs[flow.id].name})"))
            continue
        flows[flow.id] = flow
        flow_docs[flow.id] = doc
    if not flows and not (root / FLOWS_DIR).is_dir():
        problems.append(Problem(f"{root.name}/{FLOWS_DIR}", 1, "", "flows directory missing"))

    docs: dict[str, _Document | None] = {}
    for name, required in ((RULES_FILE, True), (CALENDAR_FILE, True), (KB_FILE, False), (PMO_FILE, False), (HOLIDAYS_FILE, False)):
        path = root / name
        if not path.exists():
            if required:
                problems.append(Problem(f"{root.name}/{name}", 1, "", "file missing"))
            docs[name] = None
            continue
        docs[name] = read(path)

    calendar: CalendarTemplate | None = None
    if (cal_doc := docs[CALENDAR_FILE]) is not None:
        calendar = _validate(CalendarTemplate, cal_doc.data, cal_doc, (), problems)

    rules = _load_rules(docs[RULES_FILE], flows, calendar, problems)
    komunitas = _load_komunitas(docs[KB_FILE], problems)
    pmo = None
    if (pmo_doc := docs[PMO_FILE]) is not None:
        pmo = _validate(PmoGuide, pmo_doc.data, pmo_doc, (), problems)
    holidays = None
    if (holidays_doc := docs[HOLIDAYS_FILE]) is not None:
        holidays = _validate(HolidaySettings, holidays_doc.data or {}, holidays_doc, (), problems)

    texts: dict[str, str] = {}
    text_files = sorted((root / TEXTS_DIR).glob("*.yaml"))
    if not text_files:
        problems.append(Problem(f"{root.name}/{TEXTS_DIR}", 1, "", "no text files (texts/*.yaml)"))
    for path in text_files:
        doc = read(path)
        if doc is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem(doc.name, 1, "", "expected a mapping of text keys"))
            continue
        _flatten_texts(doc.data, (), texts, doc, problems)

    templates = _load_templates(root, digest, problems)
    _check_flows(flows, flow_docs, calendar, problems)
    _check_references(flows, calendar, cal_doc, komunitas, docs[KB_FILE], pmo, docs[PMO_FILE], problems)

    if problems:
        raise ContentError(problems)
    in_order = dict(sorted(flows.items(), key=lambda item: item[1].program_order))  # the one place flows are ordered
    return Content(
        version=digest.hexdigest()[:12], flows=in_order, rules=rules, calendar=calendar, texts=texts,
        komunitas_belajar=komunitas, pmo=pmo, templates=templates, holidays=holidays, default_tz=default_tz,
    )


def _load_templates(root: Path, digest: Any, problems: list[Problem]) -> dict[str, bytes]:
    """The Word templates, each rendered once with sample values; the folder is optional, its files are not."""
    folder = root / TEMPLATES_DIR
    if not folder.is_dir():
        return {}
    templates: dict[str, bytes] = {}
    for name in TEMPLATE_NAMES:
        path = folder / name
        if not path.is_file():
            problems.append(Problem(_name(path, root), 1, "", "file missing"))
            continue
        data = path.read_bytes()
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + data + b"\0")
        if reason := template_problem(name, data):
            problems.append(Problem(_name(path, root), 1, "", f"template does not render: {reason}"))
            continue
        templates[name] = data
    return templates


def _load_rules(doc: _Document | None, flows: _Flows, calendar: CalendarTemplate | None, problems: list[Problem]) -> list[ReminderRule]:
    rules: list[ReminderRule] = []
    if doc is None:
        return rules
    items = doc.data.get("rules") if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        problems.append(doc.problem(("rules",), "expected a list under 'rules'"))
        return rules
    if unknown := sorted(set(doc.data) - {"rules"}):
        problems.append(doc.problem((unknown[0],), "unknown key"))
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = ("rules", i)
        rule = _validate(ReminderRule, item, doc, where, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(doc.problem(where + ("id",), f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)
        for key, ref in (("flow", rule.flow), ("stop_on_submit", rule.stop_on_submit)):
            if flows.dangling(ref):
                problems.append(doc.problem(where + (key,), f"unknown flow {ref!r}"))
        if rule.on == "flow_unfinished":
            if not rule.flow:
                problems.append(doc.problem(where + ("on",), "a flow_unfinished rule needs 'flow'"))
        else:
            _check_event(rule.on, calendar, doc, where + ("on",), problems)
        if "open_flow" in rule.buttons and not rule.flow:
            problems.append(doc.problem(where + ("buttons",), "an open_flow button needs 'flow'"))
        elif "open_flow" in rule.buttons and rule.flow in flows:
            roles = [r for r in rule.audience if r not in ("self", "mentor") and r not in flows[rule.flow].audience]
            if roles:
                problems.append(doc.problem(where + ("audience",), f"{', '.join(roles)} cannot open flow {rule.flow!r} (its audience: {', '.join(flows[rule.flow].audience)})"))
            _check_opens_in_time(rule, flows[rule.flow], calendar, doc, where, problems)
        if "done" in rule.buttons and not rule.stop_on_ack:
            problems.append(doc.problem(where + ("buttons",), "a done button needs 'stop_on_ack'"))
        rules.append(rule)
    return rules


def _check_opens_in_time(rule: ReminderRule, flow: Flow, calendar: CalendarTemplate | None, doc: _Document,
                         where: tuple, problems: list[Problem]) -> None:
    """An open_flow button sent before its flow opens in /refleksi would only be refused."""
    if calendar is None or rule.on != flow.event or not rule.offsets_days:
        return
    earliest = min(rule.offsets_days)
    if earliest < -calendar.flow_opens_days_before:
        problems.append(doc.problem(where + ("offsets_days",),
            f"sent {-earliest} days before the event, but flow {flow.id!r} opens only "
            f"{calendar.flow_opens_days_before} days before it (calendar.yaml flow_opens_days_before)"))


def _load_komunitas(doc: _Document | None, problems: list[Problem]) -> list[KomunitasBelajar]:
    result: list[KomunitasBelajar] = []
    if doc is None:
        return result
    items = doc.data.get("lokakarya") if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        problems.append(doc.problem(("lokakarya",), "expected a list under 'lokakarya'"))
        return result
    seen: set[str] = set()
    for i, item in enumerate(items):
        workshop = _validate(KomunitasBelajar, item, doc, ("lokakarya", i), problems)
        if workshop is None:
            continue
        if workshop.id in seen:
            problems.append(doc.problem(("lokakarya", i, "id"), f"duplicate id {workshop.id!r}"))
        seen.add(workshop.id)
        result.append(workshop)
    return result


def _check_flows(flows: _Flows, flow_docs: dict[str, _Document], calendar: CalendarTemplate | None, problems: list[Problem]) -> None:
    for flow_id, flow in flows.items():
        doc = flow_docs[flow_id]
        _check_event(flow.event, calendar, doc, ("event",), problems)
        if flow.subject == "mentee":
            if others := [r for r in flow.audience if r not in MENTOR_ROLES]:
                problems.append(doc.problem(("audience",), f"a flow about a mentee is for mentors only (pp, fsp), not {', '.join(others)}"))
            if "mentor" in flow.summary_to:
                problems.append(doc.problem(("summary_to",), "a flow about a mentee sends no summary to 'mentor' (use 'subject_mentor')"))
        elif "mentor" in flow.summary_to:
            if unmentored := [r for r in flow.audience if r not in MENTORED_ROLES]:
                problems.append(doc.problem(("summary_to",), f"summary to 'mentor' but {', '.join(unmentored)} has no mentor"))
        _check_not_before(flow, doc, problems)
        _check_prefill(flow, flows, doc, problems)
        if flow.carry_forward:
            src = flows.get(flow.carry_forward.from_flow)
            if flows.dangling(flow.carry_forward.from_flow):
                problems.append(doc.problem(("carry_forward", "from_flow"), f"unknown flow {flow.carry_forward.from_flow!r}"))
            elif src is not None and src.id == flow.id:
                problems.append(doc.problem(("carry_forward", "from_flow"), "a flow cannot quote itself"))
            elif src is not None:
                known = {q.id for q in src.questions()}
                for j, qid in enumerate(flow.carry_forward.questions):
                    if qid not in known:
                        problems.append(doc.problem(("carry_forward", "questions", j), f"flow {src.id!r} has no question {qid!r}"))


def _check_not_before(flow: Flow, doc: _Document, problems: list[Problem]) -> None:
    """not_before names an earlier date question of the same flow."""
    asked: dict[str, str] = {}
    paths = dict(_question_paths_of(doc))
    for q in flow.questions():
        if q.not_before and asked.get(q.not_before) != "date":
            where = paths.get(q.id, ())
            problems.append(doc.problem(where + ("not_before",), f"not_before: {q.not_before!r} is not an earlier date question of this flow"))
        asked[q.id] = q.kind


def _check_prefill(flow: Flow, flows: _Flows, doc: _Document, problems: list[Problem]) -> None:
    """prefill_from names questions that exist, in flows answered by the mentee or about the mentee."""
    paths = dict(_question_paths_of(doc))
    for q in flow.questions():
        where = paths.get(q.id, ())
        if q.prefill_from and flow.subject != "mentee":
            problems.append(doc.problem(where + ("prefill_from",), "prefill_from is for flows about a mentee (subject: mentee)"))
            continue
        for j, source in enumerate(q.prefill_from):
            at = where + ("prefill_from", j)
            src = flows.get(source.flow)
            if flows.dangling(source.flow):
                problems.append(doc.problem(at + ("flow",), f"unknown flow {source.flow!r}"))
            elif source.flow == flow.id:
                problems.append(doc.problem(at + ("flow",), "a question cannot be drafted from its own flow"))
            elif src is not None:
                if src.subject == "self" and not set(src.audience) & MENTORED_ROLES:
                    problems.append(doc.problem(at + ("flow",), f"flow {src.id!r} is not answered by a mentee (its audience: {', '.join(src.audience)})"))
                known = {sq.id for sq in src.questions()}
                for k, qid in enumerate(source.questions):
                    if qid not in known:
                        problems.append(doc.problem(at + ("questions", k), f"flow {src.id!r} has no question {qid!r}"))


def _question_paths_of(doc: _Document) -> list[tuple[str, tuple]]:
    data = doc.data if isinstance(doc.data, dict) else {}
    found: list[tuple[str, tuple]] = []
    for i, section in enumerate(data.get("sections") or []):
        found.extend(_question_paths(section, ("sections", i)))
    return found


def _check_references(
    flows: _Flows, calendar: CalendarTemplate | None, cal_doc: _Document | None,
    komunitas: list[KomunitasBelajar], kb_doc: _Document | None, pmo: PmoGuide | None, pmo_doc: _Document | None,
    problems: list[Problem],
) -> None:
    """Calendar, workshop and PMO entries must point at flows and months that exist."""
    months = {m.month for m in calendar.pmo_months} if calendar else set()
    if calendar and cal_doc:
        for i, lk in enumerate(calendar.lokakarya):
            if flows.dangling(lk.flow):
                problems.append(cal_doc.problem(("lokakarya", i, "flow"), f"unknown flow {lk.flow!r}"))
    if kb_doc:
        for i, workshop in enumerate(komunitas):
            where = ("lokakarya", i)
            if months and workshop.month not in months:
                problems.append(kb_doc.problem(where + ("month",), f"month {workshop.month} is not in the PMO month table"))
            if pmo and workshop.pmo_monitoring_minutes != round(pmo.monitoring.jp * 45):
                problems.append(kb_doc.problem(where + ("pmo_monitoring_minutes",), f"pmo.yaml gives PMO monitoring {pmo.monitoring.jp:g} JP = {round(pmo.monitoring.jp * 45)} min"))
            for variant in ("luring", "daring"):
                for j, stage in enumerate(getattr(workshop, variant)):
                    if flows.dangling(stage.flow):
                        problems.append(kb_doc.problem(where + (variant, j, "flow"), f"unknown flow {stage.flow!r}"))
    if pmo and pmo_doc:
        for i, step in enumerate(pmo.steps):
            if flows.dangling(step.flow):
                problems.append(pmo_doc.problem(("steps", i, "flow"), f"unknown flow {step.flow!r}"))


def _flatten_texts(data: dict, prefix: tuple, out: dict[str, str], doc: _Document, problems: list[Problem]) -> None:
    """Nested text groups become dotted keys: {reminder: {rpp: …}} → 'reminder.rpp'."""
    for key, value in data.items():
        path = prefix + (key,)
        if not isinstance(key, str):
            problems.append(doc.problem(path, f"a text key must be a word, not {type(key).__name__} {key!r} (put it in quotes)"))
            continue
        if isinstance(value, dict):
            _flatten_texts(value, path, out, doc, problems)
        elif isinstance(value, str):
            dotted = ".".join(path)
            if dotted in out:
                problems.append(doc.problem(path, f"text key {dotted!r} defined twice"))
            out[dotted] = value
        else:
            problems.append(doc.problem(path, "a text must be a string"))
