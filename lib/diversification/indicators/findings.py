"""« Axes de progrès »: written French findings produced by explicit rules (Fiche C1 §II.a).

The rules are data: ``data_samples/referentiels/regles_axes_progres.csv``, one
row per rule with the indicator it reads, a comparison (``<``, ``<=``, ``>``,
``>=``), a threshold, the display format of the value (``pourcentage`` or
``nombre``), the French template of the finding (``{valeur}`` and ``{seuil}``
placeholders), its rationale, ``statut`` and ``source``.

:func:`evaluate_rules` applies them to an indicators table (columns
``indicateur``, ``valeur``, ``explication`` as produced by
:func:`diversification.indicators.concentration.concentration_indicators` and
:func:`diversification.indicators.demand.representation_indicators`). When an indicator is
missing or cannot be computed, the rule says so (``declenchee`` is ``<NA>``)
instead of firing.
"""

from __future__ import annotations

import operator

import pandas as pd

from diversification.indicators.concentration import INDICATOR_LABELS
from diversification.inputs import formatting
from diversification.inputs.referentiels import load_referentiel

RULES_TABLE = "regles_axes_progres"
COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
FORMATS = ("pourcentage", "nombre")
COLUMNS = ["regle_id", "indicateur", "valeur", "comparaison", "seuil", "declenchee", "constat"]


def load_rules() -> pd.DataFrame:
    """The rules of ``regles_axes_progres.csv`` (``seuil`` as float), checked."""
    return check_rules(load_referentiel(RULES_TABLE))


def check_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``rules`` with a float ``seuil``; French ``ValueError`` on a malformed rule."""
    out = rules.copy()
    for row in out.itertuples(index=False):
        if row.comparaison not in COMPARISONS:
            raise ValueError(
                f"règle {row.regle_id} : comparaison « {row.comparaison} » inconnue (admises : {', '.join(COMPARISONS)})"
            )
        if row.format not in FORMATS:
            raise ValueError(f"règle {row.regle_id} : format « {row.format} » inconnu (admis : {', '.join(FORMATS)})")
        if "{valeur}" not in row.constat:
            raise ValueError(f"règle {row.regle_id} : le modèle du constat doit contenir {{valeur}}")
    try:
        out["seuil"] = pd.to_numeric(out["seuil"], errors="raise").astype(float)
    except (ValueError, TypeError):
        raise ValueError("règles des axes de progrès : la colonne seuil doit être numérique") from None
    return out


def format_value(value: float, kind: str) -> str:
    """French display of a value: ``0.82`` → « 82 % » (pourcentage), ``2.456`` → « 2,46 » (nombre)."""
    if kind == "pourcentage":
        return formatting.percent(value, 0)
    return formatting.number(value, 2).rstrip("0").rstrip(",")


def evaluate_rules(indicators: pd.DataFrame, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """The findings table: one row per rule, in the rules' order.

    Columns: ``regle_id``, ``indicateur``, ``valeur`` (Float64, ``<NA>`` when
    not computable), ``comparaison``, ``seuil``, ``declenchee`` (boolean,
    ``<NA>`` when not computable), ``constat`` (French: the finding when the
    rule fires, why it does not apply otherwise).
    """
    rules = load_rules() if rules is None else check_rules(rules)
    known = {row.indicateur: row for row in indicators.itertuples(index=False)}
    records = []
    for rule in rules.itertuples(index=False):
        seuil_text = format_value(rule.seuil, rule.format)
        indicator = known.get(rule.indicateur)
        value, fired = None, None
        if indicator is None:
            text = f"Règle {rule.regle_id} non évaluée : l'indicateur « {rule.indicateur} » n'est pas calculé dans cette étude."
        elif pd.isna(indicator.valeur):
            reason = str(getattr(indicator, "explication", "") or "valeur manquante")
            text = f"Règle {rule.regle_id} non évaluée : {_lower_first(indicator.libelle)} non calculable ({reason})."
        else:
            value = float(indicator.valeur)
            fired = bool(COMPARISONS[rule.comparaison](value, rule.seuil))
            shown = format_value(value, rule.format)
            if fired:
                text = rule.constat.format(valeur=shown, seuil=seuil_text)
            else:
                text = (
                    f"Règle {rule.regle_id} non déclenchée : {_lower_first(indicator.libelle)} = {shown} "
                    f"(seuil d'alerte : {rule.comparaison} {seuil_text})."
                )
        records.append({
            "regle_id": rule.regle_id, "indicateur": rule.indicateur, "valeur": value,
            "comparaison": rule.comparaison, "seuil": float(rule.seuil), "declenchee": fired, "constat": text,
        })
    table = pd.DataFrame(records, columns=COLUMNS)
    table["valeur"] = table["valeur"].astype("Float64")
    table["declenchee"] = table["declenchee"].astype("boolean")
    return table


def findings_markdown(findings: pd.DataFrame) -> str:
    """French Markdown: the findings that fire, then the rules that do not fire or cannot be evaluated."""
    fired = findings[findings["declenchee"].fillna(False).astype(bool)]
    lines = ["**Axes de progrès**", ""]
    if fired.empty:
        lines.append("*Aucune règle ne signale d'axe de progrès sur les indicateurs calculables.*")
    lines += [f"- ({r.regle_id}) {r.constat}" for r in fired.itertuples(index=False)]
    others = findings[~findings["declenchee"].fillna(False).astype(bool)]
    if not others.empty:
        lines += ["", "**Règles non déclenchées ou non évaluées**", ""]
        lines += [f"- {r.constat}" for r in others.itertuples(index=False)]
    return "\n".join(lines)


def rules_for_display(rules: pd.DataFrame | None = None, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rules as a French table for the notebook (what is tested, against what, why). Each rule's indicator is
    named by its label in ``indicators`` (the table :func:`evaluate_rules` reads: « Part des heures dans le BTP et le
    nettoyage », not ``part_construction_nettoyage``), else by its label of the concentration indicators."""
    rules = load_rules() if rules is None else check_rules(rules)
    labels = {key: label for key, (label, _unit) in INDICATOR_LABELS.items()}
    if indicators is not None and len(indicators):
        labels.update(zip(indicators["indicateur"], indicators["libelle"]))
    return pd.DataFrame({
        "règle": rules["regle_id"],
        "indicateur": [labels.get(key, key) for key in rules["indicateur"]],
        "condition": [f"{c} {format_value(s, f)}" for c, s, f in zip(rules["comparaison"], rules["seuil"], rules["format"])],
        "justification": rules["justification"],
        "statut": rules["statut"],
        "source": rules["source"],
    })


def _lower_first(text: str) -> str:
    """« Part des heures » → « part des heures » (acronyms such as BTP kept)."""
    return text[:1].lower() + text[1:]


def key_figures(indicators: pd.DataFrame, findings: pd.DataFrame) -> str:
    """Stable French lines of the key figures of the état des lieux (pinned by nbval)."""
    lines = []
    for row in indicators.itertuples(index=False):
        value = "non calculable" if pd.isna(row.valeur) else f"{float(row.valeur):.3f}"
        lines.append(f"{row.indicateur} : {value}")
    fired = findings.loc[findings["declenchee"].fillna(False).astype(bool), "regle_id"].tolist()
    lines.append(f"règles déclenchées : {', '.join(fired) if fired else 'aucune'}")
    return "\n".join(lines)


def combine_indicators(*tables: pd.DataFrame) -> pd.DataFrame:
    """One indicators table from several (same columns; an indicator id may appear once)."""
    table = pd.concat(tables, ignore_index=True)
    duplicated = table.loc[table["indicateur"].duplicated(), "indicateur"].tolist()
    if duplicated:
        raise ValueError(f"indicateur(s) en double : {', '.join(duplicated)}")
    table["valeur"] = table["valeur"].astype("Float64")
    return table
