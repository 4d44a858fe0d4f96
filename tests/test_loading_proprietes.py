"""Property-based tests of the loaders: any valid table, in any accepted format, loads whole and exact."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversification.inputs import loading
from diversification.inputs.schemas import AGE_BANDS, PARTICIPANT_STATUSES, QUALIFICATION_LEVELS

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
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    if thousands and any(r["heures_prevues"] >= 1000 or r["heures_realisees"] >= 1000 for r in rows):
        # the separator really is in the file, as that encoding writes it (0xA0 in Windows-1252, C2 A0 in UTF-8)
        assert thousands.encode(encoding.removesuffix("-sig")) in data
    path.write_bytes(data)
    result = loading.load_suivi_clauses([path], today=dt.date(2025, 1, 1))
    assert result.rows_read == len(rows)
    assert len(result.table) == len(rows), result.rejects.records[:3]
    assert [r["action"] for r in result.rejects.records] == []
    assert result.table["heures_realisees"].round(2).tolist() == [float(r["heures_realisees"]) for r in rows]
    assert result.table["heures_prevues"].round(2).tolist() == [float(r["heures_prevues"]) for r in rows]
    assert set(result.table["sexe"]) <= {"F", "H"}
    assert result.table["segment"].notna().all()


free_text = st.text(st.characters(categories=["L", "N", "Zs"], include_characters="'’:.,()«»-"), min_size=1,
                    max_size=60).filter(lambda t: t.strip() and not t.strip().isdigit())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(row, min_size=1, max_size=12, unique_by=lambda r: (r["participant_id"], r["id_marche"])),
    separator=st.sampled_from([";", "\t", "|"]),
    titles=st.lists(st.one_of(free_text, st.just("")), max_size=4),
    notes=st.lists(st.one_of(free_text, st.just("")), max_size=4),
)
def test_a_valid_table_under_titles_and_above_notes_loads_whole(tmp_path_factory, rows, separator, titles, notes):
    """A published layout: any title lines above the header, any one-cell note lines under the table (commas and
    colons in them, blank lines between): the rows load whole, and each block left out is said once."""
    lines = titles + [separator.join(HEADER)]
    for r in rows:
        lines.append(separator.join([
            str(r["annee"]), r["id_marche"], "13001845000028", r["code_cpv"], "44090956200041",
            french_number(r["heures_prevues"], ""), french_number(r["heures_realisees"], ""), r["participant_id"],
            r["sexe"], r["tranche_age"], r["niveau_qualification"], r["rqth"], "oui" if r["qpv"] else "non",
            r["statut"]]))
    lines += notes
    path = tmp_path_factory.mktemp("p") / "suivi.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = loading.load_suivi_clauses([path], today=dt.date(2025, 1, 1))
    assert len(result.table) == len(rows) and not result.rejects.records, result.rejects.records[:3]
    assert result.table["ligne"].tolist() == list(range(len(titles) + 2, len(titles) + 2 + len(rows)))
    said_titles = [n for n in result.notices if "ligne(s) de titre" in n]
    said_notes = [n for n in result.notices if "ligne(s) de notes" in n]
    assert len(said_titles) == (1 if any(t.strip() for t in titles) else 0)
    assert len(said_notes) == (1 if any(n.strip() for n in notes) else 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(
    st.binary(max_size=400),
    st.text(st.sampled_from(list("annee;sexe,effectif\t|\"\n\r 0123456789*ABCTotalEnsemble,é€")), max_size=400)))
def test_any_file_gives_rows_or_a_french_error_never_a_crash(tmp_path_factory, content):
    """Whatever the bytes of a job-seeker file, the loader returns its valid rows or raises InputError."""
    path = tmp_path_factory.mktemp("p") / "demandeurs_emploi.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    try:
        result = loading.load_demandeurs_emploi([path], today=dt.date(2025, 1, 1))
    except loading.InputError as exc:
        assert "demandeurs_emploi.csv" in str(exc)
    else:
        assert len(result.table) <= result.rows_read
