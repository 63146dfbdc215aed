"""`pendamping data purge | erase | audit` as a koordinator runs them after a program ends."""
from __future__ import annotations

from sqlalchemy import func, select

from store.models import Answer, FlowRun, Person, RunStatus
from tests.e2e.conftest import EXAMPLES
from tests.e2e.test_process import _env, _run


async def _answered(db, external_id: str, text: str, submitted: bool = True) -> None:
    async with db.session() as s:
        person = await s.scalar(select(Person).where(Person.external_id == external_id))
        run = FlowRun(person_id=person.id, flow_id="refleksi_pi1", content_version="t",
                      status=RunStatus.submitted if submitted else RunStatus.draft)
        run.answers.append(Answer(question_id="q1", value=text, content_version="t"))
        run.answers.append(Answer(question_id="foto", value=[{"kind": "photo", "file_id": "F1"}], content_version="t"))
        s.add(run)


async def _count(db, model) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_purge_counts_on_a_dry_run_then_deletes_and_erase_and_audit_record_it(tmp_path, database_url, db):
    env = _env(DATABASE_URL=database_url, TELEGRAM_BOT_USERNAME="pendamping_bot")
    assert (await _run("roster", "import", str(EXAMPLES / "roster.csv"), env=env, cwd=tmp_path))[0] == 0
    await _answered(db, "CGP01", "Jawaban Dewi")
    await _answered(db, "CGP02", "Draf Agus", submitted=False)

    code, out, err = await _run("data", "purge", "--cohort", "11", "--dry-run", env=env, cwd=tmp_path)
    assert code == 0, err
    assert "Uji coba" in out and "2 isian berisi 4 jawaban dan 2 berkas/foto" in out
    assert await _count(db, Answer) == 4

    code, out, err = await _run("data", "erase", "--person", "CGP01", env=env, cwd=tmp_path)
    assert code == 0 and "Data Dewi Lestari telah dihapus" in out and "2 jawaban dan 1 berkas/foto" in out
    assert await _count(db, Answer) == 2

    code, _, err = await _run("data", "purge", "--cohort", "99", env=env, cwd=tmp_path)
    assert code == 1 and "Tidak ada angkatan dengan kode 99" in err
    code, _, err = await _run("data", "purge", "--cohort", "11", "--before", "kemarin", env=env, cwd=tmp_path)
    assert code == 2 and "YYYY-MM-DD" in err

    code, out, err = await _run("data", "purge", "--cohort", "11", env=env, cwd=tmp_path)
    assert code == 0, err
    assert "dihapus 1 isian berisi 2 jawaban" in out
    assert await _count(db, Answer) == 0
    async with db.session() as s:
        names = set((await s.scalars(select(Person.name))).all())
        assert "Agus Setiawan" not in names and "Dewi Lestari" not in names
        assert await s.scalar(select(func.count()).select_from(FlowRun)) == 1  # Dewi's submitted run, for the counts

    code, out, err = await _run("data", "audit", env=env, cwd=tmp_path)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert "pembersihan data angkatan" in lines[0] and "hapus data peserta" in lines[1] and "impor daftar peserta" in lines[2]
