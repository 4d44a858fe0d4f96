"""Property-based tests of the loaders: any valid table, in any accepted format, loads whole and exact."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversification import loading
from diversification.schemas import AGE_BANDS, PARTICIPANT_STATUSES, QUALIFICATION_LEVELS

CPVS = ["45210000", "90910000-8", "72212000", "55523100", "98310000"]
HEADER = ["annee", "id_marche", "acheteur_siret", "code_cpv", "entreprise_siret", "heures_prevues", "heures_realisees",
          "participant_id", "sexe", "tranche_age", "niveau_qualification", "rqth", "qpv", "statut"]

row = st.fixed_dictionaries(
    {
        "annee": st.integers(2015, 2024),
        "id_marche": st.text("ABCDEFGHJK0123456789-", min_size=1, max_size=8).map(lambda s: "M" + s),  # "-" alone means missing
        "code_cpv": st.sampled_from(CPVS),
        "heures_prevues": st.decimals(0, 20000, places=2),
        "heures_realisees": st.decimals(0, 20000, places=1),
        "participant_id": st.text("abcdefXYZ0123456789", min_size=1, max_size=10),
        "sexe": st.sampled_from(["F", "H", "Femme", "homme"]),
        "tranche_age": st.sampled_from(AGE_BANDS),
        "niveau_qualification": st.sampled_from(QUALIFICATION_LEVELS),
        "rqth": st.sampled_from(["oui", "non", "OUI", "0", "1"]),
        "qpv": st.booleans(),
        "statut": st.sampled_from(PARTICIPANT_STATUSES),
    }
)


def french_number(value, thousands: str) -> str:
    integer, _, decimals = f"{value:.2f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    return thousands.join(groups) + "," + decimals


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(row, min_size=1, max_size=25, unique_by=lambda r: (r["participant_id"], r["id_marche"])),
    separator=st.sampled_from([";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    thousands=st.sampled_from(["", " ", "\u00a0"]),
)
def test_any_valid_table_loads_whole(tmp_path_factory, rows, separator, encoding, thousands):
    if encoding == "cp1252" and thousands == "\u00a0":
        thousands = "\u00a0"  # encodable in Windows-1252 (0xA0)
    lines = [separator.join(HEADER)]
    for r in rows:
        cells = [
            str(r["annee"]), r["id_marche"], "13001845000028", r["code_cpv"], "44090956200041",
            french_number(r["heures_prevues"], thousands), french_number(r["heures_realisees"], thousands),
            r["participant_id"], r["sexe"], r["tranche_age"], r["niveau_qualification"], r["rqth"],
            "oui" if r["qpv"] else "non", r["statut"],
        ]
        lines.append(separator.join(cells))
    path = tmp_path_factory.mktemp("p") / "suivi.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    result = loading.load_suivi_clauses([path], today=dt.date(2025, 1, 1))
    assert result.rows_read == len(rows)
    assert len(result.table) == len(rows), result.rejects.records[:3]
    assert [r["action"] for r in result.rejects.records] == []
    assert result.table["heures_realisees"].round(2).tolist() == [float(r["heures_realisees"]) for r in rows]
    assert set(result.table["sexe"]) <= {"F", "H"}
    assert result.table["segment"].notna().all()
