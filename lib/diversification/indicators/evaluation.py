"""Evaluation of the experimental clauses (Fiche C1 §II.d, « valorisation des expériences réussies »).

Definitions (one home for each):

* **Experimental contracts**: suivi rows with ``experimental`` true; the
  **experiment years** are the years of those rows.
* **Historical segments**: segments whose ``groupe`` is construction or
  cleaning (:func:`diversification.indicators.concentration.concentrated_segments`);
  the comparison group is the non-experimental rows of those segments over the
  experiment years.
* **Participants** of a group: distinct pseudonyms; a participant's profile is
  that of his or her first row (sorted by pseudonym, year, contract).
* **Profile indicators**: women (``sexe == "F"``), seniors (« 50 ans et plus »),
  RQTH, graduates (qualification level 5 or more: « 5 (bac+2) », « 6 et plus »).
  Missing values count as « no ».
* **Wilson 95 % interval** of a share ``k / n`` (z = 1.959964):
  ``(p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n)`` (implemented here;
  scipy is not a dependency of the kit).
* **New company**: a company (SIRET) of an experimental contract with no
  suivi row before the year of its first experimental contract (the history
  only goes back to the first year of the suivi).
* **Positive exits**: « emploi durable », « emploi de transition »,
  « sortie positive (formation) »; the rate is over the participants who have
  left (« en cours » excluded).
* **Before / after**: the year before the first experiment year versus the
  study year: share of construction + cleaning hours and effective number of
  segments (phase 01 functions), and the share of women among participants.

Every count of participants goes through :mod:`diversification.indicators.disclosure`
with the territory threshold; shares and intervals computed from a hidden
count are hidden. Below :data:`MIN_PARTICIPANTS` experimental participants,
the notebook says there is not yet enough data to conclude.
"""

from __future__ import annotations

import math

import pandas as pd

from diversification.indicators import concentration, disclosure
from diversification.inputs import formatting
from diversification.inputs.segments import segment_labels

Z_95 = 1.959963984540054
MIN_PARTICIPANTS = 30
EXPERIMENTAL, HISTORICAL = "Clauses expérimentales", "Segments historiques"
POSITIVE_EXITS = ("emploi durable", "emploi de transition", "sortie positive (formation)")
POSITIVE_LABEL = "sortie positive (emploi durable, de transition, formation)"
EXIT_ORDER = [POSITIVE_LABEL, "autre sortie", "en cours"]
GRADUATE_LEVELS = ("5 (bac+2)", "6 et plus (bac+3 et plus)")
INDICATORS = {
    "femmes": ("Femmes", lambda p: p["sexe"].astype(object) == "F"),
    "seniors": ("Seniors (50 ans et plus)", lambda p: p["tranche_age"].astype(object) == "50 ans et plus"),
    "rqth": ("Travailleurs handicapés (RQTH)", lambda p: p["rqth"].astype("boolean").fillna(False).astype(bool)),
    "diplomes": ("Diplômés (niveau 5 et plus)", lambda p: p["niveau_qualification"].astype(object).isin(GRADUATE_LEVELS)),
}


# --- statistics ------------------------------------------------------------------------------

def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of the proportion ``k / n``; raises on ``n <= 0`` or ``k`` outside ``[0, n]``."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError("intervalle de Wilson : 0 ≤ k ≤ n et n > 0 attendus")
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    return max(0.0, (centre - half) / denominator), min(1.0, (centre + half) / denominator)


# --- selections --------------------------------------------------------------------------------

def _flag(suivi: pd.DataFrame) -> pd.Series:
    if "experimental" not in suivi.columns:
        return pd.Series(False, index=suivi.index)
    return suivi["experimental"].astype("boolean").fillna(False).astype(bool)


def experimental_rows(suivi: pd.DataFrame) -> pd.DataFrame:
    """Rows of the experimental contracts (an empty table when there is no suivi)."""
    if suivi is None:
        return pd.DataFrame(columns=["annee", "id_marche", "participant_id", "experimental"])
    return suivi[_flag(suivi)].reset_index(drop=True)


def experiment_years(suivi: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in experimental_rows(suivi)["annee"].dropna().unique())


def historical_rows(suivi: pd.DataFrame, years: list[int] | None = None) -> pd.DataFrame:
    """Non-experimental rows of the historical segments (over ``years`` when given)."""
    hist = set(concentration.concentrated_segments())
    rows = suivi[~_flag(suivi) & suivi["segment"].astype(object).isin(hist)]
    if years:
        rows = rows[rows["annee"].isin(years)]
    return rows.reset_index(drop=True)


def participants(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct participant (first row by pseudonym, year, contract)."""
    ordered = rows.sort_values(["participant_id", "annee", "id_marche"], kind="stable")
    return ordered.drop_duplicates("participant_id").reset_index(drop=True)


def n_experimental_participants(suivi: pd.DataFrame) -> int:
    return int(experimental_rows(suivi)["participant_id"].nunique())


def status_markdown(suivi: pd.DataFrame | None, threshold: int, minimum: int = MIN_PARTICIPANTS) -> str:
    """French sentence: can the experiments be evaluated yet?"""
    if suivi is None or suivi.empty:
        return ("**Évaluation impossible** : le suivi des clauses n'est pas disponible. L'évaluation des clauses "
                "expérimentales se fera quand leurs heures et leurs participants seront suivis.")
    exp = experimental_rows(suivi)
    if exp.empty:
        return ("**Pas encore de données pour évaluer** : aucun marché n'est marqué « expérimental » dans le suivi "
                "des clauses (colonne `experimental`). Marquez les marchés des nouveaux segments dès leur "
                "notification : leurs résultats seront évalués ici l'an prochain.")
    n = int(exp["participant_id"].nunique())
    contracts = int(exp["id_marche"].nunique())
    shown = f"{n}" if n >= threshold else f"moins de {threshold}"
    if n < minimum:
        return (f"**Pas encore assez de données pour conclure** : {contracts} marché(s) expérimental(aux), {shown} "
                f"participant(s) (moins de {minimum}). Les chiffres ci-dessous sont indicatifs : les intervalles de "
                "confiance sont très larges ; attendez une ou deux années de plus avant de tirer des conclusions.")
    return (f"{contracts} marchés expérimentaux, {shown} participants : assez pour une première évaluation. Lisez "
            "les parts avec leur intervalle de confiance à 95 % : deux intervalles qui se chevauchent ne permettent "
            "pas de conclure à une différence.")


# --- hours done vs planned -----------------------------------------------------------------------

def hours_by_contract(suivi: pd.DataFrame, threshold: int) -> disclosure.DisclosedTable:
    """Per experimental contract: participants, planned and realised hours, realisation rate (protected)."""
    exp = experimental_rows(suivi)
    columns = ["id_marche", "annee", "libelle", "acheteur", "participants", "heures_prevues", "heures_realisees",
               "taux_realisation"]
    if exp.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        empty["participants"] = empty["participants"].astype("Int64")
        return disclosure.protect_frequencies(empty, "participants", threshold, total=False)
    labels = segment_labels()
    grouped = exp.groupby("id_marche", sort=True)
    table = pd.DataFrame({
        "annee": grouped["annee"].min().astype("Int64"),
        "segment": grouped["segment"].first().astype(object),
        "acheteur": grouped["acheteur_nom"].first().astype(object),
        "participants": grouped["participant_id"].nunique().astype("Int64"),
        "heures_prevues": grouped["heures_prevues"].sum().astype(float),
        "heures_realisees": grouped["heures_realisees"].sum().astype(float),
    }).reset_index()
    table["libelle"] = table["segment"].map(lambda s: labels.get(s, s)).astype(object)
    table["taux_realisation"] = (table["heures_realisees"] / table["heures_prevues"].where(table["heures_prevues"] > 0))
    table = table.sort_values(["annee", "id_marche"], kind="stable").reset_index(drop=True)
    table = table[columns]
    total = pd.DataFrame([{
        "id_marche": "Total", "annee": pd.NA, "libelle": "", "acheteur": "",
        "participants": int(exp["participant_id"].nunique()),
        "heures_prevues": float(table["heures_prevues"].sum()),
        "heures_realisees": float(table["heures_realisees"].sum()),
    }])
    total["taux_realisation"] = total["heures_realisees"] / total["heures_prevues"]
    # Participants may work on several contracts: the total is distinct people, not the sum of the rows,
    # so it is protected on its own (primary rule) and the rows together (lines without published sum).
    rows = disclosure.protect_frequencies(table, "participants", threshold,
                                          derived_cols=["heures_prevues", "heures_realisees", "taux_realisation"],
                                          total=False)
    tot = disclosure.protect_frequencies(total, "participants", threshold,
                                         derived_cols=["heures_prevues", "heures_realisees", "taux_realisation"],
                                         total=False)
    combined = pd.concat([rows.table, tot.table], ignore_index=True)
    hidden = pd.concat([rows.hidden, tot.hidden], ignore_index=True)
    return disclosure.DisclosedTable(table=combined, hidden=hidden, rule=rows.rule)


# --- beneficiaries --------------------------------------------------------------------------------

def profile_comparison(suivi: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Shares of women, seniors, RQTH and graduates: experimental contracts vs historical segments.

    Long table: ``indicateur``, ``groupe``, ``participants``, ``effectif``,
    ``part``, ``ic_bas``, ``ic_haut``. For each indicator the counts
    (yes / no / total by group, with margins) are protected as one cross-table;
    a share and its interval are hidden when the count or the total is hidden.
    """
    columns = ["indicateur", "libelle", "groupe", "participants", "effectif", "part", "ic_bas", "ic_haut"]
    exp = experimental_rows(suivi)
    if exp.empty:
        return pd.DataFrame(columns=columns)
    groups = {EXPERIMENTAL: participants(exp), HISTORICAL: participants(historical_rows(suivi, experiment_years(suivi)))}
    out = []
    for key, (label, rule) in INDICATORS.items():
        counts = pd.DataFrame({name: [int(rule(p).sum()), int((~rule(p)).sum())] for name, p in groups.items()},
                              index=["oui", "non"]).T
        protected = disclosure.protect_crosstab(disclosure.add_margins(counts), threshold)
        for name in groups:
            k, n = protected.table.loc[name, "oui"], protected.table.loc[name, disclosure.TOTAL_LABEL]
            visible = not (pd.isna(k) or pd.isna(n)) and int(n) > 0
            low, high = wilson_interval(int(k), int(n)) if visible else (None, None)
            out.append({"indicateur": key, "libelle": label, "groupe": name,
                        "participants": n, "effectif": k,
                        "part": int(k) / int(n) if visible else None, "ic_bas": low, "ic_haut": high})
    table = pd.DataFrame(out, columns=columns)
    for col in ("participants", "effectif"):
        table[col] = pd.array(table[col].tolist(), dtype="Int64")
    for col in ("part", "ic_bas", "ic_haut"):
        table[col] = pd.array(table[col].tolist(), dtype="Float64")
    return table


def profile_for_display(table: pd.DataFrame) -> pd.DataFrame:
    """French display: « 42 % [31 % ; 54 %] » or « secret statistique »."""
    def pct(x) -> str:
        return formatting.percent(x, 0)

    shown = table[["libelle", "groupe"]].copy()
    shown["participants"] = [disclosure.SECRET_LABEL if pd.isna(v) else int(v) for v in table["participants"]]
    shown["effectif"] = [disclosure.SECRET_LABEL if pd.isna(v) else int(v) for v in table["effectif"]]
    shown["part (IC 95 %)"] = [disclosure.SECRET_LABEL if pd.isna(p) else f"{pct(p)} [{pct(lo)} ; {pct(hi)}]"
                               for p, lo, hi in zip(table["part"], table["ic_bas"], table["ic_haut"])]
    return shown.rename(columns={"libelle": "indicateur"})


# --- companies -------------------------------------------------------------------------------------

def new_companies(suivi: pd.DataFrame) -> pd.DataFrame:
    """Companies of the experimental contracts and whether it is their first clause."""
    columns = ["entreprise_nom", "entreprise_siret", "libelle", "annee_experimentation", "annee_premiere_clause",
               "premiere_clause"]
    exp = experimental_rows(suivi)
    if exp.empty:
        return pd.DataFrame(columns=columns)
    labels = segment_labels()
    first_exp = exp.groupby("entreprise_siret").agg(annee_experimentation=("annee", "min"),
                                                    entreprise_nom=("entreprise_nom", "first"),
                                                    segment=("segment", "first"))
    first_any = suivi.groupby("entreprise_siret")["annee"].min().rename("annee_premiere_clause")
    table = first_exp.join(first_any).reset_index()
    table["premiere_clause"] = (table["annee_premiere_clause"] >= table["annee_experimentation"]).astype(bool)
    table["libelle"] = table["segment"].map(lambda s: labels.get(s, s)).astype(object)
    for col in ("annee_experimentation", "annee_premiere_clause"):
        table[col] = table[col].astype("Int64")
    table = table.sort_values(["annee_experimentation", "entreprise_nom", "entreprise_siret"], kind="stable")
    return table[columns].reset_index(drop=True)


# --- exits --------------------------------------------------------------------------------------------

def exits_comparison(suivi: pd.DataFrame, threshold: int) -> tuple[disclosure.DisclosedTable, pd.DataFrame]:
    """Exits (positive / other / ongoing, rows) × group (columns), protected; and the positive-exit rate.

    The three positive exits are grouped in one row before protection: a
    detailed table published next to the rate could reveal a hidden category.
    The rate (positive exits ÷ exits, « en cours » excluded) and its Wilson
    interval are hidden when a cell it uses is hidden.
    """
    exp = experimental_rows(suivi)
    rate_cols = ["groupe", "sorties", "sorties_positives", "taux_sorties_positives", "ic_bas", "ic_haut"]
    if exp.empty:
        empty = pd.DataFrame({EXPERIMENTAL: [0], HISTORICAL: [0]}, index=["en cours"])
        return disclosure.protect_crosstab(empty, threshold, margins=False), pd.DataFrame(columns=rate_cols)
    groups = {EXPERIMENTAL: participants(exp), HISTORICAL: participants(historical_rows(suivi, experiment_years(suivi)))}
    def grouped(p: pd.DataFrame) -> pd.Series:
        exits = p["sortie"].astype(object).where(~p["sortie"].astype(object).isin(POSITIVE_EXITS), POSITIVE_LABEL)
        return exits.value_counts().reindex(EXIT_ORDER, fill_value=0)

    counts = pd.DataFrame({name: grouped(p) for name, p in groups.items()}).astype(int)
    counts = counts.loc[EXIT_ORDER]
    protected = disclosure.protect_crosstab(disclosure.add_margins(counts), threshold)
    rows = []
    for name in groups:
        col = protected.table[name]
        if col.loc[[POSITIVE_LABEL, "autre sortie"]].isna().any():
            rows.append({"groupe": name, "sorties": None, "sorties_positives": None,
                         "taux_sorties_positives": None, "ic_bas": None, "ic_haut": None})
            continue
        positive = int(col.loc[POSITIVE_LABEL])
        left = positive + int(col.loc["autre sortie"])
        low, high = wilson_interval(positive, left) if left else (None, None)
        rows.append({"groupe": name, "sorties": left, "sorties_positives": positive,
                     "taux_sorties_positives": positive / left if left else None, "ic_bas": low, "ic_haut": high})
    rates = pd.DataFrame(rows, columns=rate_cols)
    for c in ("sorties", "sorties_positives"):
        rates[c] = pd.array(rates[c].tolist(), dtype="Int64")
    for c in ("taux_sorties_positives", "ic_bas", "ic_haut"):
        rates[c] = pd.array(rates[c].tolist(), dtype="Float64")
    return protected, rates


# --- before / after -------------------------------------------------------------------------------

def before_after(suivi: pd.DataFrame, annee: int, threshold: int) -> pd.DataFrame:
    """Diversification indicators the year before the first experiment and the study year.

    One column, one unit: ``avant`` and ``apres`` are in the unit of the row (``unite``: « part », a share from 0
    to 1, or « nombre »); the change of a share is in points (``evolution_points``: 3.2 for 12 % → 15,2 %), the
    change of a number in ``evolution_nombre``; the other one is empty.
    """
    columns = ["indicateur", "libelle", "unite", "avant", "apres", "evolution_points", "evolution_nombre",
               "explication"]
    years = experiment_years(suivi)
    if not years:
        return pd.DataFrame(columns=columns)
    before = years[0] - 1
    available = set(int(y) for y in suivi["annee"].dropna().unique())
    if before not in available or annee not in available or annee <= before:
        row = {"indicateur": "comparaison", "libelle": "Comparaison avant / après", "unite": None, "avant": None,
               "apres": None, "evolution_points": None, "evolution_nombre": None,
               "explication": f"le suivi ne couvre pas l'année {before} (avant la première expérimentation) et "
                              f"l'année {annee}"}
        return pd.DataFrame([row], columns=columns)
    rows = []
    values = {}
    for label, year in (("avant", before), ("apres", annee)):
        ind = concentration.concentration_indicators(suivi, annee=year).set_index("indicateur")
        part = participants(suivi[suivi["annee"] == year])
        women = int((part["sexe"].astype(object) == "F").sum())
        n = len(part)
        hidden = (1 <= women < threshold) or (1 <= n - women < threshold) or n < threshold
        values[label] = {
            "part_construction_nettoyage": ind.loc["part_construction_nettoyage", "valeur"],
            "nombre_effectif_segments": ind.loc["nombre_effectif_segments", "valeur"],
            "part_femmes": None if hidden or n == 0 else women / n,
        }
    names = {"part_construction_nettoyage": "Part des heures dans le BTP et le nettoyage",
             "nombre_effectif_segments": "Nombre effectif de segments (1 / IHH)",
             "part_femmes": "Part des femmes parmi les participants"}
    for key, label in names.items():
        a, b = values["avant"][key], values["apres"][key]
        missing = a is None or b is None or pd.isna(a) or pd.isna(b)
        unit = UNITS[key]
        change = None if missing else float(b) - float(a)
        rows.append({"indicateur": key, "libelle": f"{label} ({before} → {annee})", "unite": unit, "avant": a, "apres": b,
                     "evolution_points": None if change is None or unit != "part" else change * 100,
                     "evolution_nombre": None if change is None or unit == "part" else change,
                     "explication": "valeur non calculable ou masquée (secret statistique)" if missing else ""})
    table = pd.DataFrame(rows, columns=columns)
    for col in ("avant", "apres", "evolution_points", "evolution_nombre"):
        table[col] = pd.array([None if v is None or pd.isna(v) else float(v) for v in table[col]], dtype="Float64")
    return table


#: Unit of each before / after indicator: « part » (a share, its change in points) or « nombre ».
UNITS = {"part_construction_nettoyage": "part", "nombre_effectif_segments": "nombre", "part_femmes": "part"}


def before_after_for_display(table: pd.DataFrame) -> pd.DataFrame:
    """French display of :func:`before_after`: shares in %, their change in points (« +3,2 points »), numbers."""
    def value(v, unit) -> str:
        return formatting.percent(v) if unit == "part" else formatting.number(v, 1)

    rows = []
    for r in table.itertuples(index=False):
        change = (formatting.points(r.evolution_points) if r.unite == "part"
                  else formatting.number(r.evolution_nombre, 1, signed=True))
        rows.append({"indicateur": r.libelle, "avant": value(r.avant, r.unite), "après": value(r.apres, r.unite),
                     "évolution": change, "remarque": r.explication})
    return pd.DataFrame(rows, columns=["indicateur", "avant", "après", "évolution", "remarque"])


# --- summary ---------------------------------------------------------------------------------------

def key_figures(suivi: pd.DataFrame | None, annee: int, threshold: int) -> str:
    """Stable French lines for the pinned nbval cell."""
    if suivi is None or experimental_rows(suivi).empty:
        return "Marchés expérimentaux : 0 ; évaluation impossible pour l'instant."
    hours = hours_by_contract(suivi, threshold).table
    total = hours.iloc[-1]
    comp = new_companies(suivi)
    _, rates = exits_comparison(suivi, threshold)
    prof = profile_comparison(suivi, threshold).set_index(["indicateur", "groupe"])

    def pct(v) -> str:
        return "masqué" if pd.isna(v) else formatting.percent(v)

    lines = [
        f"Marchés expérimentaux : {len(hours) - 1} ; participants : "
        f"{'secret statistique' if pd.isna(total['participants']) else int(total['participants'])}",
        ("Heures réalisées / prévues : secret statistique" if pd.isna(total["heures_realisees"]) else
         f"Heures réalisées / prévues : {formatting.number(total['heures_realisees'], 1)} / "
         f"{formatting.number(total['heures_prevues'], 1)} "
         f"({pct(total['taux_realisation'])})"),
        f"Entreprises : {len(comp)} dont {int(comp['premiere_clause'].sum())} à leur première clause",
        f"Femmes : {pct(prof.loc[('femmes', EXPERIMENTAL), 'part'])} (expérimental) contre "
        f"{pct(prof.loc[('femmes', HISTORICAL), 'part'])} (historique)",
    ]
    exp_rate = rates.set_index("groupe").loc[EXPERIMENTAL, "taux_sorties_positives"]
    lines.append(f"Sorties positives (expérimental) : {pct(exp_rate)}")
    return "\n".join(lines)
