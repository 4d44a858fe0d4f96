"""The phases of the study: one notebook each, in order (docs/ARCHITECTURE.md, « Phases »)."""

#: The phase notebooks, in order (docs/ARCHITECTURE.md). Only those present are run.
PHASES = [
    ("00_controle_donnees", "Contrôle des données"),
    ("01_etat_des_lieux", "État des lieux"),
    ("02_besoins_emploi_insertion", "Besoins emploi et insertion"),
    ("03_besoins_economiques", "Besoins économiques"),
    ("04_secteurs_prioritaires", "Secteurs prioritaires"),
    ("05_argumentaire", "Argumentaire"),
    ("06_mobilisation_acheteurs", "Mobilisation des acheteurs"),
    ("07_partenariat_territorial", "Partenariat territorial"),
    ("08_volumes_insertion", "Volumes d'insertion"),
    ("09_evaluation", "Évaluation"),
    ("10_synthese", "Synthèse"),
]
