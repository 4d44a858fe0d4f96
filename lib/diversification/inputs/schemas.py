"""Column contracts of every territory input (docs/ARCHITECTURE.md, « Inputs »).

Each input is described once here: its columns, their kind, whether they are
required, their allowed values and a French title and description. The same
description feeds the pandera schema (``build_pandera_schema``), the error
messages and the README's data dictionary (``data_dictionary``).

Official field names (DECP) are kept verbatim in :mod:`diversification.inputs.decp`;
the kit's own tabular inputs use the snake_case French names below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

# --- value vocabularies -------------------------------------------------------------

SEXES = ["F", "H"]
AGE_BANDS = ["moins de 26 ans", "26-49 ans", "50 ans et plus"]
QUALIFICATION_LEVELS = [
    "infra 3 (sans diplôme)",
    "3 (CAP-BEP)",
    "4 (bac)",
    "5 (bac+2)",
    "6 et plus (bac+3 et plus)",
]
PARTICIPANT_STATUSES = ["DELD", "BRSA", "jeune", "senior", "TH", "autre"]
CONTRACT_TYPES = [
    "CDI",
    "CDD",
    "intérim",
    "intérim d'insertion",
    "contrat de professionnalisation",
    "apprentissage",
    "CDDI",
    "mise à disposition",
]
EXITS = [
    "en cours",
    "emploi durable",
    "emploi de transition",
    "sortie positive (formation)",
    "autre sortie",
]
BUYER_TYPES = ["etat", "collectivite", "hopital", "bailleur_social"]
NATURES = ["travaux", "services", "fournitures"]
PURCHASE_FORMS = [
    "marché ordinaire",
    "accord-cadre à bons de commande",
    "accord-cadre à marchés subséquents",
    "délégation de service public",
]
STRUCTURE_TYPES = ["EI", "AI", "ACI", "ETTI", "EITI", "GEIQ", "EA", "EATT", "ESAT", "SEP", "OPCS"]
JOB_SEEKER_CATEGORIES = ["A", "B", "C"]
SENIORITY = ["moins d'un an", "un an ou plus"]

#: Column names that are direct personal identifiers: dropped at load time.
DIRECT_IDENTIFIERS = [
    "nom",
    "prenom",
    "nom_prenom",
    "nom_participant",
    "prenom_participant",
    "date_naissance",
    "date_de_naissance",
    "nir",
    "numero_securite_sociale",
    "email",
    "courriel",
    "telephone",
    "adresse",
    "identifiant_france_travail",
]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a territory input."""

    name: str
    kind: str  # "str", "int", "float", "date", "bool", "category", "siret", "cpv"
    title: str
    description: str
    required: bool = True
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    aliases: tuple[str, ...] = ()
    example: str = ""
    #: An unreadable or out-of-list value rejects the row even though the column may be absent (a count whose
    #: category is unknown, e.g. the total « ABC », must not be added to the others).
    invalid_rejects_row: bool = False
    #: A dimension of a count table that may carry margins: a « Total » / « Ensemble » value counts every value
    #: of the column (the row is a margin, recorded in :data:`MARGINS_COLUMN`), and the column may be absent
    #: (every row is then a margin for it). A present column's empty cell follows ``required``.
    margin: bool = False


#: Column added to a count table with margin columns: the margin columns of the row (« Total » / « Ensemble »,
#: or absent from its file), comma-separated in the order of the input; empty for a detailed cell.
MARGINS_COLUMN = "marges"


@dataclass(frozen=True)
class InputSpec:
    """One input of a territory (a table the facilitator provides)."""

    key: str
    title: str
    description: str
    default_files: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    optional: bool = False
    personal: bool = False  # participant-level data: kept in the run's prive/ area
    duplicate_key: tuple[str, ...] = field(default=())
    #: Where the facilitator gets the file (French, shown in the territory's LISEZMOI.md).
    source: str = ""
    #: A count table: rows describing the same cell (same values in all the other columns, for instance once
    #: finer bands are read as the kit's bands) have their ``sum_column`` added, not dropped as duplicates.
    sum_column: str | None = None

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required and not c.margin]

    @property
    def margin_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.margin]

    @property
    def file_columns(self) -> list[str]:
        """The columns a file of this input may carry: all but those the loader derives (``*_secret``, from a
        « * » in the count columns)."""
        return [c.name for c in self.columns if not c.name.endswith("_secret")]


def _c(name, kind, title, description, **kw) -> ColumnSpec:
    for key in ("allowed", "aliases"):
        if key in kw:
            kw[key] = tuple(kw[key])
    return ColumnSpec(name, kind, title, description, **kw)


SUIVI_CLAUSES = InputSpec(
    key="suivi_clauses",
    title="Suivi des clauses sociales",
    description=(
        "Une ligne par participant et par marché : export du logiciel de suivi du "
        "facilitateur (heures prévues et réalisées, profil du participant)."
    ),
    source="Export du logiciel de suivi des clauses du facilitateur (une ligne par participant et par marché).",
    default_files=("suivi_clauses",),
    personal=True,
    columns=(
        _c("annee", "int", "Année", "Année civile des heures réalisées.", minimum=2000, maximum=2100,
           aliases=["année", "annee_realisation"]),
        _c("id_marche", "str", "Identifiant du marché", "Identifiant du marché porteur de la clause (numéro interne ou DECP).",
           aliases=["marche", "numero_marche", "id"]),
        _c("acheteur_siret", "siret", "SIRET de l'acheteur", "SIRET (14 chiffres) de l'acheteur public.",
           aliases=["siret_acheteur"]),
        _c("acheteur_nom", "str", "Acheteur", "Nom de l'acheteur public.", required=False, aliases=["acheteur"]),
        _c("code_cpv", "cpv", "Code CPV", "Code CPV principal du marché, avec ou sans chiffre de contrôle (45000000-7).",
           required=False, aliases=["cpv", "codecpv"]),
        _c("segment", "str", "Segment d'achat", "Segment d'achat du kit (identifiant du référentiel) ; déduit du code CPV s'il est absent.",
           required=False),
        _c("entreprise_siret", "siret", "SIRET de l'entreprise", "SIRET de l'entreprise attributaire qui réalise les heures.",
           aliases=["siret_entreprise", "siret_titulaire"]),
        _c("entreprise_nom", "str", "Entreprise", "Raison sociale de l'entreprise attributaire.", required=False,
           aliases=["entreprise", "titulaire"]),
        _c("heures_prevues", "float", "Heures prévues", "Heures d'insertion prévues par la clause pour ce participant (ou le marché).",
           minimum=0, maximum=20000, aliases=["heures_prévues", "nb_heures_prevues"]),
        _c("heures_realisees", "float", "Heures réalisées", "Heures d'insertion réalisées par ce participant sur ce marché.",
           minimum=0, maximum=20000, aliases=["heures_réalisées", "nb_heures_realisees"]),
        _c("participant_id", "str", "Identifiant du participant", "Identifiant du participant dans le logiciel de suivi ; pseudonymisé dès le chargement.",
           aliases=["id_participant", "participant", "identifiant_participant"]),
        _c("sexe", "category", "Sexe", "F (femme) ou H (homme).", allowed=SEXES),
        _c("tranche_age", "category", "Tranche d'âge", "Tranche d'âge à l'entrée dans la clause.", allowed=AGE_BANDS,
           aliases=["age", "tranche_d_age"]),
        _c("niveau_qualification", "category", "Niveau de qualification", "Niveau de diplôme (nomenclature 2019).",
           allowed=QUALIFICATION_LEVELS, aliases=["niveau", "qualification"]),
        _c("rqth", "bool", "RQTH", "Reconnaissance de la qualité de travailleur handicapé (oui/non).",
           aliases=["travailleur_handicape", "th"]),
        _c("qpv", "bool", "Résident QPV", "Résident d'un quartier prioritaire de la politique de la ville (oui/non)."),
        _c("statut", "category", "Statut", "Statut d'éligibilité principal : DELD, BRSA, jeune, senior, TH ou autre.",
           allowed=PARTICIPANT_STATUSES, aliases=["statut_eligibilite", "public"]),
        _c("type_contrat", "category", "Type de contrat", "Contrat de travail du participant.", allowed=CONTRACT_TYPES,
           required=False),
        _c("sortie", "category", "Sortie", "Situation à la sortie du parcours.", allowed=EXITS, required=False),
        _c("date_debut", "date", "Date de début", "Date de début du contrat du participant (jj/mm/aaaa ou aaaa-mm-jj).",
           required=False),
        _c("date_fin", "date", "Date de fin", "Date de fin du contrat du participant.", required=False),
        _c("experimental", "bool", "Clause expérimentale", "Marché suivi comme expérimentation de diversification (oui/non).",
           required=False, aliases=["experimentation", "experimentale"]),
    ),
)

DEMANDEURS_EMPLOI = InputSpec(
    key="demandeurs_emploi",
    title="Demandeurs d'emploi",
    description=(
        "Effectifs de demandeurs d'emploi du territoire par croisement de critères et par "
        "métier recherché (ROME) : extraction territoriale de France Travail. Les tableaux publiés (France Travail, "
        "Dares), qui donnent chaque critère séparément, se lisent aussi : une valeur « Ensemble » ou « Total » "
        "(« ABC » pour la catégorie) fait de la ligne une marge, qui compte toutes les valeurs de la colonne ; une "
        "colonne de critère absente vaut « Ensemble » sur toutes les lignes. Chaque public est alors compté sur les "
        "lignes de ses critères ; un public dont un critère manque est dit non mesurable, jamais compté zéro."
    ),
    source=("France Travail : extraction territoriale croisant les critères ; à défaut, les tableaux publiés par "
            "France Travail ou la Dares, tels que téléchargés."),
    default_files=("demandeurs_emploi",),
    sum_column="effectif",
    columns=(
        _c("annee", "int", "Année", "Année de référence des effectifs.", minimum=2000, maximum=2100),
        _c("departement", "str", "Département",
           "Code du département (facultatif) : les lignes d'un autre département que ceux du territoire sont écartées.",
           required=False, aliases=["code_departement", "dept", "dep"]),
        _c("categorie", "category", "Catégorie",
           "Catégorie de demandeurs d'emploi (A, B, C), ou « ABC » pour leur ensemble ; une ligne d'une autre catégorie "
           "(D, E) ou d'un total qui ne dit pas s'il compte D et E (« Total », « Ensemble ») est écartée.",
           allowed=JOB_SEEKER_CATEGORIES, required=False, invalid_rejects_row=True, margin=True),
        _c("sexe", "category", "Sexe", "F (femme) ou H (homme).", allowed=SEXES, margin=True),
        _c("tranche_age", "category", "Tranche d'âge", "Tranche d'âge.", allowed=AGE_BANDS, margin=True),
        _c("niveau_qualification", "category", "Niveau de qualification", "Niveau de diplôme.", allowed=QUALIFICATION_LEVELS,
           margin=True),
        _c("anciennete", "category", "Ancienneté d'inscription", "Moins d'un an, ou un an ou plus (longue durée).",
           allowed=SENIORITY, margin=True),
        _c("rqth", "bool", "RQTH", "Bénéficiaires de l'obligation d'emploi (oui/non).", margin=True),
        _c("brsa", "bool", "Bénéficiaire du RSA", "Bénéficiaires du RSA (oui/non).", margin=True),
        _c("qpv", "bool", "Résident QPV", "Résidents d'un quartier prioritaire (oui/non).", margin=True),
        _c("code_rome", "str", "Métier recherché (ROME)", "Code ROME du métier recherché (une lettre et quatre chiffres).",
           aliases=["rome", "metier_rome"], margin=True),
        _c("effectif", "int", "Effectif", "Nombre de demandeurs d'emploi dans la cellule.", minimum=0, maximum=10_000_000,
           aliases=["nombre", "nb_demandeurs", "nombre_de_demandeurs_d_emploi"]),
    ),
)

METIERS_TENSION = InputSpec(
    key="metiers_tension",
    title="Métiers en tension (BMO)",
    description=(
        "Projets de recrutement par métier (enquête Besoins en Main-d'Œuvre de France Travail). "
        "Le fichier officiel BMO (.xlsx) est lu tel quel ; le format simple du kit aussi. Les métiers sont codés "
        "dans la nomenclature FAP 2009 jusqu'à l'enquête 2023 et FAP 2021 depuis 2024 : le kit reconnaît les deux."
    ),
    source=("France Travail, enquête Besoins en Main-d'Œuvre (BMO) : le fichier officiel de l'année (.xlsx) tel "
            "que téléchargé, ou le format simple du kit."),
    default_files=("metiers_tension", "bmo"),
    optional=True,
    columns=(
        _c("annee", "int", "Année", "Année de l'enquête BMO.", minimum=2000, maximum=2100),
        _c("code_metier_bmo", "str", "Code métier BMO", "Code métier BMO : famille professionnelle FAP 2009 (ex. T4Z60) ou FAP 2021 (ex. T4X60).",
           aliases=["code_metier"]),
        _c("nom_metier_bmo", "str", "Métier", "Libellé du métier BMO.", required=False, aliases=["nom_metier"]),
        _c("departement", "str", "Département", "Code du département (deux caractères, 2A/2B pour la Corse).", required=False,
           aliases=["dept"]),
        _c("bassin_emploi", "str", "Bassin d'emploi", "Code du bassin d'emploi BMO.", required=False),
        _c("projets_recrutement", "int", "Projets de recrutement", "Nombre de projets de recrutement (met) ; « * » = secret statistique.",
           required=False, minimum=0, aliases=["met"]),
        _c("projets_difficiles", "int", "dont difficiles", "Projets jugés difficiles (xmet) ; « * » = secret statistique.",
           required=False, minimum=0, aliases=["xmet"]),
        _c("projets_saisonniers", "int", "dont saisonniers", "Projets saisonniers (smet) ; « * » = secret statistique.",
           required=False, minimum=0, aliases=["smet"]),
        _c("projets_recrutement_secret", "bool", "Projets sous secret", "« * » dans le fichier BMO : effectif sous secret statistique.",
           required=False),
        _c("projets_difficiles_secret", "bool", "Difficiles sous secret", "« * » dans le fichier BMO pour xmet.", required=False),
        _c("projets_saisonniers_secret", "bool", "Saisonniers sous secret", "« * » dans le fichier BMO pour smet.", required=False),
    ),
)

ACHATS_PREVUS = InputSpec(
    key="achats_prevus",
    title="Achats prévus",
    description="Programmation prévisionnelle des achats des acheteurs partenaires.",
    source="Programmation prévisionnelle des achats, demandée à chaque acheteur partenaire.",
    default_files=("achats_prevus", "programmation"),
    optional=True,
    columns=(
        _c("id_achat", "str", "Identifiant de l'achat", "Référence de l'achat dans la programmation."),
        _c("acheteur_siret", "siret", "SIRET de l'acheteur", "SIRET de l'acheteur qui programme l'achat."),
        _c("objet", "str", "Objet", "Objet de l'achat."),
        _c("code_cpv", "cpv", "Code CPV", "Code CPV principal prévu.", required=False),
        _c("nature", "category", "Nature", "travaux, services ou fournitures.", allowed=NATURES),
        _c("montant_estime_ht", "float", "Montant estimé (€ HT)", "Montant total estimé sur la durée, en euros hors taxes.",
           minimum=0, maximum=3e9, aliases=["montant_estime", "montant_ht"]),
        _c("montant_min_ht", "float", "Montant minimum (€ HT)", "Minimum d'un accord-cadre, s'il y en a un.", required=False,
           minimum=0, maximum=3e9),
        _c("montant_max_ht", "float", "Montant maximum (€ HT)", "Maximum d'un accord-cadre, s'il y en a un.", required=False,
           minimum=0, maximum=3e9),
        _c("date_debut", "date", "Date de début prévue", "Date prévue de début d'exécution."),
        _c("duree_mois", "int", "Durée (mois)", "Durée prévue, reconductions comprises.", minimum=0, maximum=600),
        _c("forme", "category", "Forme du marché", "Marché ordinaire, accord-cadre ou DSP.", allowed=PURCHASE_FORMS,
           required=False),
        _c("lieu_execution", "str", "Lieu d'exécution", "Commune ou département d'exécution.", required=False),
        _c("allotissement", "int", "Nombre de lots", "Nombre de lots prévus.", required=False, minimum=1, maximum=500),
    ),
)

STRUCTURES_INCLUSIVES = InputSpec(
    key="structures_inclusives",
    title="Structures inclusives",
    description=(
        "Annuaire des SIAE, entreprises adaptées, ESAT et GEIQ du territoire "
        "(export du Marché de l'inclusion, lu tel quel : secteurs ou groupes de secteurs joints par « , », "
        "type en toutes lettres). Depuis juillet 2026, l'export de la liste de recherche n'a plus ni SIRET ni "
        "secteurs : prendre un export antérieur ou l'API du Marché."
    ),
    source="Marché de l'inclusion : export de l'annuaire des structures (SIAE, EA, ESAT, GEIQ) tel que téléchargé.",
    default_files=("structures_inclusives", "structures"),
    optional=True,
    duplicate_key=("siret",),
    columns=(
        _c("siret", "siret", "SIRET", "SIRET de l'établissement."),
        _c("nom", "str", "Nom", "Nom de la structure.", aliases=["raison_sociale", "name"]),
        _c("type", "category", "Type de structure",
           "EI, AI, ACI, ETTI, EITI, GEIQ, EA, EATT, ESAT, SEP (produits et services réalisés en prison) ou OPCS ; le libellé complet "
           "suivi du code entre parenthèses est lu aussi (« Entreprise d'insertion (EI) »).",
           allowed=STRUCTURE_TYPES, aliases=["kind", "type_structure", "type_de_structure"]),
        _c("secteurs", "str", "Secteurs d'activité",
           "Secteurs ou groupes de secteurs de l'annuaire, séparés par « | », « ; » ou « , » (exports du Marché de "
           "l'inclusion).", aliases=["sectors", "secteur", "secteurs_d_activite"]),
        _c("commune", "str", "Commune", "Commune de l'établissement.", required=False, aliases=["city", "ville"]),
        _c("departement", "str", "Département", "Code du département.", required=False, aliases=["department", "dept"]),
        _c("capacite_etp", "float", "Capacité (ETP)", "Capacité d'accueil ou effectif en équivalents temps plein.",
           required=False, minimum=0, maximum=100000, aliases=["capacite", "etp"]),
    ),
)

#: The public procurement data (not a table with the kit's columns: read by :mod:`diversification.inputs.decp`), in the
#: ``decp/`` folder of the territory.
DECP_INPUT = InputSpec(
    key="decp",
    title="Données de la commande publique (DECP)",
    description="Données essentielles des marchés publics des acheteurs du territoire, au format officiel.",
    source="data.gouv.fr : données essentielles de la commande publique (DECP), JSON 2019 ou 2024 ou CSV, "
           "tels que téléchargés.",
    default_files=("decp",),
    columns=(),
)

TABULAR_INPUTS: dict[str, InputSpec] = {
    spec.key: spec
    for spec in (SUIVI_CLAUSES, DEMANDEURS_EMPLOI, METIERS_TENSION, ACHATS_PREVUS, STRUCTURES_INCLUSIVES)
}
#: Every input a study reads from the territory folder, in the order of the study's check (notebook 00).
READ_INPUTS: dict[str, InputSpec] = {**TABULAR_INPUTS, DECP_INPUT.key: DECP_INPUT}


def _dtype(kind: str):
    return {
        "int": "Int64",
        "float": "Float64",
        "date": "datetime64[ns]",
        "bool": "boolean",
    }.get(kind, object)


def build_pandera_schema(spec: InputSpec) -> pa.DataFrameSchema:
    """The pandera contract of a parsed input (after French formats are parsed).

    Check error messages are French: they become the ``motif`` of a rejection.
    """
    columns = {}
    for col in spec.columns:
        checks = []
        if col.allowed:
            checks.append(
                pa.Check.isin(list(col.allowed), error=f"valeur hors liste ({', '.join(col.allowed)})")
            )
        if col.minimum is not None:
            checks.append(pa.Check.ge(col.minimum, error=f"valeur inférieure au minimum admis ({col.minimum:g})"))
        if col.maximum is not None:
            checks.append(pa.Check.le(col.maximum, error=f"valeur supérieure au maximum admis ({col.maximum:g})"))
        if col.kind == "siret":
            checks.append(pa.Check.str_matches(r"^\d{14}$", error="SIRET : 14 chiffres attendus"))
        columns[col.name] = pa.Column(
            _dtype(col.kind),
            checks=checks,
            nullable=not col.required or col.margin,
            required=col.required and not col.margin,
            coerce=False,
            title=col.title,
            description=col.description,
        )
    return pa.DataFrameSchema(columns, strict=False, name=spec.key)


def data_dictionary(spec: InputSpec) -> pd.DataFrame:
    """French data dictionary of one input (README, notebook 00, error messages)."""
    kinds = {
        "str": "texte",
        "int": "entier",
        "float": "nombre (virgule décimale acceptée)",
        "date": "date (jj/mm/aaaa ou aaaa-mm-jj)",
        "bool": "oui / non",
        "category": "liste de valeurs",
        "siret": "SIRET (14 chiffres)",
        "cpv": "code CPV (8 chiffres, chiffre de contrôle facultatif)",
    }
    rows = []
    for col in spec.columns:
        rows.append(
            {
                "colonne": col.name,
                "titre": col.title,
                "type": kinds[col.kind],
                "obligatoire": "non (marge si absente)" if col.margin else ("oui" if col.required else "non"),
                "valeurs admises": ", ".join(col.allowed),
                "description": col.description,
            }
        )
    return pd.DataFrame(rows)


def dictionary_markdown() -> str:
    """The French data dictionary of every tabular input, as Markdown (README section)."""
    parts = []
    for spec in TABULAR_INPUTS.values():
        kind = "facultative" if spec.optional else "obligatoire"
        parts.append(f"### {spec.title} (`{spec.default_files[0]}`, entrée {kind})\n\n{spec.description}\n")
        parts.append("| colonne | type | obligatoire | description |\n|---|---|---|---|")
        for _, row in data_dictionary(spec).iterrows():
            allowed = f" Valeurs admises : {row['valeurs admises']}." if row["valeurs admises"] else ""
            parts.append(f"| `{row['colonne']}` | {row['type']} | {row['obligatoire']} | {row['description']}{allowed} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"
