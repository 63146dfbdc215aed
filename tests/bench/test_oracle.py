"""The cohort oracle (bench.oracle) passes a faithful record and catches planted faults in one."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from bench import cohort
from bench.oracle import PLACEHOLDER, Delivery, Oracle, Settled, SimRecord, local_time
from core.content import load_content


@pytest.fixture(scope="module")
def oracle(content_dir) -> Oracle:
    plan = cohort.generate(scale=0.0004, compressed=True, days=40)
    for m in plan.members:
        m.joins_at = m.blocks_at = m.leaves_at = None
    return Oracle(load_content(content_dir), plan)


def faithful(oracle: Oracle, **events) -> SimRecord:
    """A record of exactly what the oracle expects (given `events`: blocked=…), each reminder at its due time."""
    record = SimRecord(plan=oracle.plan, joined={m.tg_id: oracle.plan.start for m in oracle.plan.members}, **events)
    texts = {rule.id: PLACEHOLDER.sub("X", rule.text) for rule in oracle.content.rules}
    record.deliveries = [Delivery(e.chat_id, n, texts[e.rule_id], e.due) for n, e in enumerate(oracle.expected(record))]
    return record


def kinds(mismatches: list[str]) -> set[str]:
    return {m.split(":")[0] for m in mismatches}


def test_a_faithful_record_passes(oracle):
    record = faithful(oracle)
    assert len(record.deliveries) > 50 and oracle.judge(record).mismatches == []


def test_a_reminder_in_quiet_hours_is_caught(oracle):
    record = faithful(oracle)
    d = record.deliveries[0]
    zone = oracle.plan.by_tg()[d.chat_id].zone
    night = d.at + timedelta(hours=23 - local_time(d.at, zone).hour)  # 23:00 local, the same day
    record.deliveries[0] = dataclasses.replace(d, at=night)
    assert kinds(oracle.judge(record).mismatches) == {"quiet hours", "missing", "unexpected"}


def test_a_message_to_a_leaver_is_caught(oracle):
    record = faithful(oracle)
    d = record.deliveries[-1]
    record.left[d.chat_id] = d.at - timedelta(hours=1)
    assert kinds(oracle.judge(record).mismatches) == {"to someone who left", "unexpected"}


def test_a_duplicate_and_a_lost_reminder_are_caught(oracle):
    record = faithful(oracle)
    record.deliveries.append(record.deliveries[3])
    del record.deliveries[7]
    assert kinds(oracle.judge(record).mismatches) == {"unexpected", "missing"}


def resent(record: SimRecord, n: int, maybe_duplicate: bool) -> None:
    """Delivery n went out twice: a first copy, then the one its outbox row was settled with (a later message id)."""
    first = record.deliveries[n]
    final = dataclasses.replace(first, message_id=10_000 + n)
    record.deliveries[n] = final
    record.deliveries.append(first)
    record.outbox.append(Settled(row_id=n, chat_id=final.chat_id, message_id=final.message_id,
                                 maybe_duplicate=maybe_duplicate))


def test_a_second_copy_of_a_row_flagged_maybe_duplicate_is_accepted_and_counted(oracle):
    record = faithful(oracle)
    resent(record, 3, maybe_duplicate=True)
    judgement = oracle.judge(record)
    assert judgement.mismatches == [] and judgement.duplicates == 1


def test_a_second_copy_of_an_unflagged_row_is_caught(oracle):
    record = faithful(oracle)
    resent(record, 3, maybe_duplicate=False)
    judgement = oracle.judge(record)
    assert kinds(judgement.mismatches) == {"unexpected"} and judgement.duplicates == 0


def test_a_flagged_row_explains_one_copy_only(oracle):
    record = faithful(oracle)
    resent(record, 3, maybe_duplicate=True)
    record.deliveries.append(dataclasses.replace(record.deliveries[-1], message_id=-1))  # a third copy
    judgement = oracle.judge(record)
    assert kinds(judgement.mismatches) == {"unexpected"} and judgement.duplicates == 1


def test_a_reminder_after_sudah_selesai_is_caught(oracle):
    record = faithful(oracle)
    rule_of = oracle.classifier.rule_of
    first = next(d for d in record.deliveries if rule_of(d.text) == "feedback360_pi3")
    record.acked.append((first.chat_id, "feedback360_pi3", first.at))
    assert kinds(oracle.judge(record).mismatches) == {"unexpected"}


def test_a_kendala_the_mentor_never_heard_of_is_caught(oracle):
    record = faithful(oracle)
    cgp = next(m for m in oracle.plan.members if m.role == "cgp")
    record.paused[cgp.tg_id] = oracle.plan.start + timedelta(days=3)
    assert kinds(oracle.judge(record).mismatches) == {f"kendala of chat {cgp.tg_id}"}


def test_a_second_digest_in_a_day_and_one_in_the_afternoon_are_caught(oracle):
    record = faithful(oracle)
    pp = next(m for m in oracle.plan.members if m.role == "pp")
    morning = cohort.local(oracle.plan.start.date() + timedelta(days=1), 8, pp.zone)  # a Tuesday
    for at in (morning, morning + timedelta(hours=1), morning + timedelta(days=1, hours=6)):
        record.deliveries.append(Delivery(pp.tg_id, 9000, "☀️ Selamat pagi, Pak. Ringkasan", at))
    assert sorted(oracle.judge(record).mismatches) == [
        f"digest: 2 to chat {pp.tg_id} on {morning.date()}",
        f"digest: chat {pp.tg_id} at {local_time(morning, pp.zone).date() + timedelta(days=1)} 14:00 local"]


def test_a_blocked_notice_missing_late_or_in_the_mentors_quiet_hours_is_caught(oracle):
    cgp = next(m for m in oracle.plan.members if m.role == "cgp")
    mentor = next(m for m in oracle.plan.members if m.external_id == cgp.mentor)
    evening = cohort.local(oracle.plan.start.date() + timedelta(days=2), 20, mentor.zone)
    record = faithful(oracle, blocked={cgp.tg_id: evening})
    notice = oracle.content.text("blocked.mentor_notice", nama=cgp.name)
    assert kinds(oracle.judge(record).mismatches) == {"blocked notice"}  # never told
    record.deliveries.append(Delivery(mentor.tg_id, 9000, notice, evening + timedelta(hours=4)))  # 00:00 local
    assert kinds(oracle.judge(record).mismatches) == {"quiet hours"}
    record.deliveries[-1] = Delivery(mentor.tg_id, 9000, notice, evening + timedelta(hours=14))  # 10:00 the next day
    assert kinds(oracle.judge(record).mismatches) == {"blocked notice"}
    record.deliveries[-1] = Delivery(mentor.tg_id, 9000, notice, evening)
    assert oracle.judge(record).mismatches == []


def test_a_pmo_reminder_missing_or_on_the_1st_instead_of_the_workshop_month_is_caught(oracle):
    record = faithful(oracle)
    rule_of = oracle.classifier.rule_of
    pmo = [n for n, d in enumerate(record.deliveries) if rule_of(d.text) in ("pmo_bulanan_kepsek", "pmo_bulanan_fsp")]
    roles = {oracle.plan.by_tg()[record.deliveries[n].chat_id].role for n in pmo}
    assert roles == {"kepsek", "fsp"}  # guru and pengawas get none
    del record.deliveries[pmo[0]]
    assert kinds(oracle.judge(record).mismatches) == {"missing"}
    record = faithful(oracle)
    d = record.deliveries[pmo[0]]
    (year, month), workshop = next(iter(oracle.plan.workshops.items()))
    record.deliveries[pmo[0]] = dataclasses.replace(d, at=d.at - (workshop - date(year, month, 1)))  # as if on the 1st
    assert kinds(oracle.judge(record).mismatches) == {"missing", "unexpected"}


def test_a_pmo_update_stops_the_next_reminder_within_reach_and_its_summary_must_reach_the_fsp(oracle):
    record = faithful(oracle)
    rule_of = oracle.classifier.rule_of
    reminder = next(d for d in record.deliveries if rule_of(d.text) == "pmo_bulanan_kepsek")
    kepsek = oracle.plan.by_tg()[reminder.chat_id]
    early = reminder.at - timedelta(days=10)  # within reach of a repeatable flow: no reminder this month
    record.submitted.append((kepsek.tg_id, "pmo_update", early))
    assert kinds(oracle.judge(record).mismatches) == {"unexpected", "summary"}
    record.deliveries.remove(reminder)
    fsp = next(m for m in oracle.plan.members if m.external_id == kepsek.mentor)
    header = oracle.content.text("flow.summary.header", name=kepsek.name, title="Pembaruan PMO bulanan sekolah")
    record.deliveries.append(Delivery(fsp.tg_id, 9001, header + "\n…", early))
    assert oracle.judge(record).mismatches == []


def test_a_blocked_notice_due_after_the_runs_end_is_not_expected(oracle):
    cgp = next(m for m in oracle.plan.members if m.role == "cgp")
    mentor = next(m for m in oracle.plan.members if m.external_id == cgp.mentor)
    night = cohort.local(oracle.plan.start.date() + timedelta(days=2), 22, mentor.zone)  # the mentor's quiet hours
    cut = Oracle(oracle.content, dataclasses.replace(oracle.plan, end=night + timedelta(hours=1)))
    assert cut.judge(faithful(cut, blocked={cgp.tg_id: night})).mismatches == []
    evening = night - timedelta(hours=3)  # due at once, before the end: still expected
    assert "blocked notice" in kinds(cut.judge(faithful(cut, blocked={cgp.tg_id: evening})).mismatches)
