"""Roster columns and the spellings accepted for headers, roles, cohorts, time zones and statuses."""
from __future__ import annotations

import re

from store.models import Role

# Canonical column → the header spellings accepted for it (compared after _norm_header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "nik", "nuptk", "kode"),
    "nama": ("nama", "nama lengkap", "name"),
    "peran": ("peran", "role"),
    "angkatan": ("angkatan", "cohort"),
    "sekolah": ("sekolah", "nama sekolah", "asal sekolah"),
    "kabupaten/kota": ("kabupaten/kota", "kabupaten", "kota", "kab/kota", "kab./kota"),
    "provinsi": ("provinsi", "province"),
    "mentor": ("mentor", "id mentor"),
    "zona waktu": ("zona waktu", "timezone", "tz"),
    "status": ("status", "keaktifan"),
    "npsn": ("npsn",),
}
REQUIRED_COLUMNS = ("id", "nama", "peran", "angkatan", "mentor")
HEADER_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
ROLE_ALIASES = {
    **{role.value: role for role in Role},
    "calon guru penggerak": Role.cgp,
    "pengajar praktik": Role.pp,
    "pengajar praktek": Role.pp,
    "fasilitator sekolah penggerak": Role.fsp,
    "kepala sekolah": Role.kepsek,
    "pengawas sekolah": Role.pengawas,
}
TIMEZONES = {
    "wib": "Asia/Jakarta",
    "wita": "Asia/Makassar",
    "wit": "Asia/Jayapura",
    **{zone.lower(): zone for zone in ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")},
}
# status → still in the program; someone who left gets no reminders and is left out of counts.
STATUSES = {"aktif": True, "keluar": False, "nonaktif": False, "tidak aktif": False, "mengundurkan diri": False}
MAX_LENGTH = {"id": 64, "nama": 200, "sekolah": 200, "kabupaten/kota": 200, "provinsi": 100, "mentor": 64, "status": 32,
              "npsn": 16}
COHORT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
COHORT_PREFIX = re.compile(r"^angkatan\s*", re.IGNORECASE)
NPSN_PATTERN = re.compile(r"[0-9A-Za-z]{8}")  # Nomor Pokok Sekolah Nasional: 8 characters (digits, or P + 7 digits)
SCHOOL_SEPARATOR = ";"  # a pengawas's sekolah cell lists the schools they cover
