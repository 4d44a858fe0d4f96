"""Deterministic generator of the fictional sample territories.

Three territories are written under ``data_samples/territoires/``:

* ``metropole-exemple``: a metropolis with five years of clause follow-up,
  partner buyers of every type, DECP (2024 nested JSON and the national
  tabular CSV export), planned purchases, job seekers, the official BMO
  workbook layout and a directory of inclusive structures;
* ``rural-exemple``: a small territory (one year, one buyer, tiny counts, no
  planned purchases on purpose);
* ``exports-bruts``: the same kind of data as it really comes out of French
  software (Windows-1252, ``;``, decimal commas, ``dd/mm/yyyy``, accented
  headers) with one row per kind of defect, listed in ``DEFAUTS.md``.

Everything is drawn from ``numpy.random.default_rng(seed)`` with a fixed seed
per territory; no wall clock, no set iteration: two runs write the same bytes
(the ``.xlsx`` archives are rewritten with fixed timestamps).

Run ``python -m diversification.inputs.samples [--dossier DIR]`` to regenerate them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from diversification.inputs.paths import EXAMPLES_DIR
from diversification.inputs.schemas import AGE_BANDS, QUALIFICATION_LEVELS
from diversification.inputs.siret import complete_luhn
from openpyxl import Workbook

TERRITORIES = ("metropole-exemple", "rural-exemple", "exports-bruts")
SEEDS = {"metropole-exemple": 20250101, "rural-exemple": 20250202, "exports-bruts": 20250303}

#: Fixed timestamp written into the .xlsx archives (document properties and zip entries).
XLSX_TIMESTAMP = dt.datetime(2025, 1, 1, 0, 0, 0)

# --- reference material of the generator -------------------------------------------------

SEGMENT_CPV: dict[str, tuple[str, ...]] = {
    "btp_gros_oeuvre": ("45210000", "45223000", "45262000"),
    "btp_second_oeuvre": ("45310000", "45330000", "45420000", "45440000", "45430000"),
    "btp_vrd_travaux_publics": ("45230000", "45233000", "45232400", "45112000"),
    "espaces_verts": ("77310000", "77311000", "45112710"),
    "nettoyage_locaux": ("90910000", "90911200", "90919200"),
    "prestations_intellectuelles": ("79410000", "79311000", "71000000", "79110000", "73000000"),
    "informatique_numerique": ("72000000", "72212000", "48000000", "72500000"),
    "dechets_proprete_urbaine": ("90500000", "90511000", "90610000", "90512000"),
    "communication_media_culture": (
        "79340000", "79341000", "92100000", "92111000", "79822500", "79530000", "79540000", "92500000",
    ),
    "fournitures": ("39100000", "37520000", "09130000", "30190000", "33600000", "15000000"),
    "transports_mobilites": ("60100000", "60112000", "60130000"),
    "services_entreprises_particuliers": ("98000000", "79990000", "92610000", "70330000"),
    "securite_gardiennage": ("79710000", "79713000"),
    "portage_repas": ("55521100",),
    "restauration": ("55300000", "55520000", "55523100"),
    "blanchisserie_nettoyage_vetements": ("98310000", "98311000", "98315000"),
    "administratif_impression_numerisation": ("79800000", "79810000", "79500000", "79512000", "79999100", "22000000"),
    "periscolaire_animation": ("80110000", "85312110"),
    "maintenance_reparation": ("50000000", "50700000"),
    "sante_action_sociale": ("85000000", "85300000"),
    "autres_services": ("64000000", "66000000", "75000000"),
}
SEGMENTS = tuple(SEGMENT_CPV)
BTP_SEGMENTS = ("btp_gros_oeuvre", "btp_second_oeuvre", "btp_vrd_travaux_publics")
HISTORICAL_SEGMENTS = BTP_SEGMENTS + ("nettoyage_locaux",)

#: Segments of the clause follow-up outside the experiments, with their share of contracts.
FOLLOWUP_SEGMENT_WEIGHTS = {
    "btp_gros_oeuvre": 0.265,
    "btp_second_oeuvre": 0.20,
    "btp_vrd_travaux_publics": 0.15,
    "nettoyage_locaux": 0.215,
    "espaces_verts": 0.065,
    "dechets_proprete_urbaine": 0.045,
    "restauration": 0.015,
    "services_entreprises_particuliers": 0.01,
    "maintenance_reparation": 0.01,
    "transports_mobilites": 0.01,
    "administratif_impression_numerisation": 0.01,
    "periscolaire_animation": 0.005,
}
EXPERIMENTAL_SEGMENTS = (
    "informatique_numerique",
    "restauration",
    "blanchisserie_nettoyage_vetements",
    "communication_media_culture",
    "administratif_impression_numerisation",
)
#: Share of women among the participants of a segment (clause follow-up).
FEMALE_SHARE = {
    "btp_gros_oeuvre": 0.04,
    "btp_second_oeuvre": 0.08,
    "btp_vrd_travaux_publics": 0.04,
    "nettoyage_locaux": 0.55,
    "espaces_verts": 0.15,
    "dechets_proprete_urbaine": 0.15,
}
FEMALE_SHARE_OTHER = 0.45
FEMALE_SHARE_EXPERIMENTAL = 0.55

#: Share of each segment among the contracts of the DECP (by number), all buyers.
DECP_SEGMENT_WEIGHTS = {
    "btp_gros_oeuvre": 0.08,
    "btp_second_oeuvre": 0.10,
    "btp_vrd_travaux_publics": 0.08,
    "espaces_verts": 0.04,
    "nettoyage_locaux": 0.05,
    "prestations_intellectuelles": 0.12,
    "informatique_numerique": 0.08,
    "dechets_proprete_urbaine": 0.03,
    "communication_media_culture": 0.05,
    "fournitures": 0.12,
    "transports_mobilites": 0.03,
    "services_entreprises_particuliers": 0.03,
    "securite_gardiennage": 0.02,
    "portage_repas": 0.01,
    "restauration": 0.03,
    "blanchisserie_nettoyage_vetements": 0.01,
    "administratif_impression_numerisation": 0.04,
    "periscolaire_animation": 0.02,
    "maintenance_reparation": 0.04,
    "sante_action_sociale": 0.02,
    "autres_services": 0.01,
}

#: Sought trades (ROME) of job seekers, grouped by the trade family they belong to.
ROME_FAMILIES: dict[str, tuple[str, ...]] = {
    "btp": ("F1703", "F1702", "F1602", "F1603", "F1606", "F1701", "F1704", "F1501", "F1201"),
    "nettoyage": ("K2204",),
    "espaces_verts": ("A1203",),
    "dechets": ("K2303", "K2304", "N4101"),
    "informatique": ("M1805", "M1810", "M1801"),
    "communication": ("E1103", "E1205", "E1101"),
    "restauration": ("G1602", "G1603", "G1605"),
    "blanchisserie": ("K2201", "B1806"),
    "administratif": ("M1601", "M1602", "M1607", "E1301"),
    "animation": ("G1203", "K1303", "G1202"),
    "transport": ("N4103", "N4102"),
    "securite": ("K2503",),
    "sante": ("K2112", "J1501"),
    "maintenance": ("I1203", "I1604"),
    # trades with no purchase segment (commerce, logistics, personal services): realistic noise
    "autres": ("D1106", "D1507", "N1103", "K1304"),
}
#: Weight of each family among women and men seeking a job.
ROME_FAMILY_WEIGHTS = {
    #                  women  men
    "btp": (0.01, 0.20),
    "nettoyage": (0.12, 0.05),
    "espaces_verts": (0.01, 0.05),
    "dechets": (0.01, 0.05),
    "informatique": (0.03, 0.07),
    "communication": (0.05, 0.03),
    "restauration": (0.08, 0.07),
    "blanchisserie": (0.03, 0.01),
    "administratif": (0.20, 0.05),
    "animation": (0.12, 0.03),
    "transport": (0.01, 0.10),
    "securite": (0.01, 0.05),
    "sante": (0.12, 0.02),
    "maintenance": (0.01, 0.07),
    "autres": (0.19, 0.15),
}

#: Trades of the BMO survey (FAP 2009 codes and labels of the DARES nomenclature; R1Z61 is attached to no
#: segment, as some trades of a real survey): code, name, family code, family label, trade family.
BMO_TRADES = (
    ("B0Z21", "Ouvriers non qualifiés du gros œuvre du bâtiment", "B", "Bâtiment, travaux publics", "btp"),
    ("B2Z40", "Maçons", "B", "Bâtiment, travaux publics", "btp"),
    ("B4Z41", "Plombiers, chauffagistes", "B", "Bâtiment, travaux publics", "btp"),
    ("B4Z43", "Électriciens du bâtiment", "B", "Bâtiment, travaux publics", "btp"),
    ("B4Z44", "Ouvriers qualifiés de la peinture et de la finition du bâtiment", "B", "Bâtiment, travaux publics", "btp"),
    ("B1Z40", "Ouvriers qualifiés des travaux publics, du béton et de l'extraction", "B", "Bâtiment, travaux publics", "btp"),
    ("T4Z60", "Agents d'entretien de locaux", "T", "Services aux particuliers et aux collectivités", "nettoyage"),
    ("T4Z62", "Ouvriers de l'assainissement et du traitement des déchets", "T", "Services aux particuliers et aux collectivités", "dechets"),
    ("A1Z41", "Jardiniers salariés", "A", "Agriculture, marine, pêche", "espaces_verts"),
    ("S1Z40", "Cuisiniers", "S", "Hôtellerie, restauration, alimentation", "restauration"),
    ("S1Z20", "Aides de cuisine, apprentis de cuisine et employés polyvalents de la restauration", "S", "Hôtellerie, restauration, alimentation", "restauration"),
    ("M1Z80", "Techniciens d'étude et de développement en informatique", "M", "Informatique et télécommunications", "informatique"),
    ("M2Z90", "Ingénieurs et cadres d'étude, recherche et développement en informatique, chefs de projets informatiques", "M", "Informatique et télécommunications", "informatique"),
    ("J3Z43", "Conducteurs routiers", "J", "Transports, logistique et tourisme", "transport"),
    ("J3Z41", "Conducteurs de transport en commun sur route", "J", "Transports, logistique et tourisme", "transport"),
    ("T3Z61", "Agents de sécurité et de surveillance", "T", "Services aux particuliers et aux collectivités", "securite"),
    ("L0Z60", "Secrétaires bureautiques et assimilés", "L", "Gestion, administration des entreprises", "administratif"),
    ("L2Z61", "Agents administratifs divers", "L", "Gestion, administration des entreprises", "administratif"),
    ("V5Z81", "Professionnels de l'animation socioculturelle", "V", "Santé, action sociale, culturelle et sportive", "animation"),
    ("V0Z60", "Aides-soignants", "V", "Santé, action sociale, culturelle et sportive", "sante"),
    ("G1Z70", "Techniciens et agents de maîtrise de la maintenance et de l'environnement", "G", "Maintenance", "maintenance"),
    ("F0Z20", "Ouvriers non qualifiés du textile et du cuir", "F", "Matériaux souples, bois, industries graphiques", "blanchisserie"),
    ("U0Z80", "Assistants de communication", "U", "Communication, information, art et spectacle", "communication"),
    ("R1Z61", "Vendeurs en ameublement, équipement du foyer, bricolage", "R", "Commerce", "autres"),
)

#: The same trades in FAP 2021, the nomenclature of the BMO surveys since 2024 (the official-format file of
#: metropole-exemple): FAP 2009 code → (FAP 2021 code, label), the family of the DARES table for the trade's
#: main ROME code (``fap_rome.csv``).
BMO_TRADES_FAP2021 = {
    "B0Z21": ("B1X30", "Maçons peu qualifiés"), "B2Z40": ("B1X31", "Maçons qualifiés"),
    "B4Z41": ("B2X33", "Plombiers chauffagistes"), "B4Z43": ("B2X32", "Ouvriers en électricité du bâtiment"),
    "B4Z44": ("B2X36", "Ouvriers en peinture en bâtiment"),
    "B1Z40": ("B0X31", "Ouvriers qualifiés de l'extraction et des travaux publics"),
    "T4Z60": ("T4X60", "Agents d'entretien de locaux"),
    "T4Z62": ("T4X62", "Ouvriers de l'assainissement et du traitement des déchets"),
    "A1Z41": ("A1X41", "Jardiniers des espaces verts et naturels"), "S1Z40": ("S1X40", "Cuisiniers"),
    "S1Z20": ("S1X20", "Aides de cuisine et employés polyvalents de la restauration"),
    "M1Z80": ("M1X80", "Techniciens d'étude et de développement en informatique"),
    "M2Z90": ("M2X90", "Ingénieurs et cadres d'étude, recherche et développement en informatique et télécom"),
    "J3Z43": ("J3X43", "Conducteurs routiers"), "J3Z41": ("J3X41", "Conducteurs de transport en commun sur route"),
    "T3Z61": ("T3X61", "Agents de sécurité et de surveillance"), "L0Z60": ("L0X60", "Secrétaires bureautiques et assimilés"),
    "L2Z61": ("L2X61", "Agents administratifs"), "V5Z81": ("V5X81", "Professionnels de l'animation socioculturelle"),
    "V0Z60": ("V0X60", "Aides-soignants"),
    "G1Z70": ("G1X74", "Techniciens et agents de maîtrise en installation et maintenance en froid et conditionnement d'air"),
    "F0Z20": ("K0X32", "Artisans et ouvriers de blanchisserie"), "U0Z80": ("U0X80", "Assistants de la communication"),
    "R1Z61": ("R1X61", "Vendeurs en ameublement, équipement du foyer, bricolage"),
}

SURNAMES = (
    "Durand", "Martin", "Bernard", "Petit", "Moreau", "Laurent", "Lefebvre", "Leroy", "Roux", "Fournier",
    "Girard", "Bonnet", "Lambert", "Fontaine", "Rousseau", "Vincent", "Mercier", "Blanc", "Guérin", "Boyer",
    "Garnier", "Chevalier", "Legrand", "Gauthier", "Perrin", "Robin", "Clément", "Morin", "Henry", "Roussel",
    "Masson", "Marchand", "Duval", "Dumont", "Lemaire", "Meunier", "Brun", "Blanchard", "Giraud", "Joly",
    "Rivière", "Brunet", "Gaillard", "Barbier", "Arnaud", "Roche", "Renard", "Colin", "Vidal", "Caron",
    "Picard", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Bourgeois", "Leclerc",
    "Rolland", "Lecomte", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Moulin", "Deschamps", "Huet",
    "Boucher", "Fleury", "Royer", "Jacquet", "Poirier", "Marty", "Aubry", "Guyot", "Charpentier", "Ménard",
    "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Collet", "Léger", "Bouvier", "Prévost", "Millet",
    "Perrot", "Cousin", "Germain", "Breton", "Besson", "Langlois", "Rémy", "Pelletier", "Lebrun", "Mallet",
)
GIVEN_NAMES = {
    "F": ("Nadia", "Sandrine", "Fatou", "Céline", "Aïcha", "Sabrina", "Émilie", "Samira", "Laetitia", "Manon"),
    "H": ("Karim", "Julien", "Mamadou", "Sébastien", "Kevin", "Laurent", "Yacine", "Thomas", "Nicolas", "Mehdi"),
}

COMPANY_TEMPLATES: dict[str, tuple[str, ...]] = {
    "btp_gros_oeuvre": ("Bâtiments {s} & Fils", "{s} Construction", "Entreprise {s} Gros Œuvre", "Maçonnerie {s}", "{s} BTP"),
    "btp_second_oeuvre": ("{s} Électricité", "Plomberie {s}", "Peintures {s} et Cie", "Menuiserie {s}", "{s} Isolation"),
    "btp_vrd_travaux_publics": ("{s} Travaux Publics", "Terrassements {s}", "Routes et Réseaux {s}", "{s} TP"),
    "espaces_verts": ("{s} Paysages", "Jardins {s}", "Espaces Verts {s}"),
    "nettoyage_locaux": ("Nettoyage {s} Services", "Propreté {s}", "{s} Net", "Clair Net {s}"),
    "prestations_intellectuelles": ("Cabinet {s} Conseil", "{s} Études", "{s} Ingénierie"),
    "informatique_numerique": ("{s} Informatique", "Numérique {s}", "{s} Solutions Numériques"),
    "dechets_proprete_urbaine": ("{s} Environnement", "Collecte {s}", "{s} Recyclage"),
    "communication_media_culture": ("Agence {s} Communication", "Studio {s}", "{s} Événements"),
    "fournitures": ("{s} Fournitures", "Comptoir {s}", "{s} Équipements"),
    "transports_mobilites": ("Transports {s}", "Cars {s}", "{s} Mobilité"),
    "services_entreprises_particuliers": ("{s} Services", "Conciergerie {s}"),
    "securite_gardiennage": ("{s} Sécurité", "Gardiennage {s}"),
    "portage_repas": ("Repas {s} à Domicile",),
    "restauration": ("Restauration {s}", "{s} Traiteur", "Cuisine {s}"),
    "blanchisserie_nettoyage_vetements": ("Blanchisserie {s}", "{s} Linge Pro"),
    "administratif_impression_numerisation": ("Imprimerie {s}", "{s} Numérisation", "{s} Archives"),
    "periscolaire_animation": ("Association {s} Loisirs", "{s} Animation"),
    "maintenance_reparation": ("{s} Maintenance", "Ateliers {s}"),
    "sante_action_sociale": ("{s} Santé", "Association {s} Solidarité"),
    "autres_services": ("{s} Assurances", "{s} Finances"),
}
LEGAL_FORMS = ("SAS", "SARL", "SA", "EURL", "SAS")

OBJECT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "btp_gros_oeuvre": ("Construction d'un groupe scolaire à {lieu} – lot gros œuvre",
                        "Réhabilitation de la résidence Les Acacias à {lieu} – gros œuvre",
                        "Extension du gymnase municipal de {lieu} – maçonnerie"),
    "btp_second_oeuvre": ("Rénovation énergétique de bâtiments communaux à {lieu} – isolation et menuiseries",
                          "Réfection des installations électriques de l'hôtel de ville de {lieu}",
                          "Travaux de peinture et revêtements de sols à {lieu}"),
    "btp_vrd_travaux_publics": ("Aménagement de la voirie et des réseaux du quartier de la Gare à {lieu}",
                                "Création d'une piste cyclable à {lieu}",
                                "Renouvellement des réseaux d'assainissement à {lieu}"),
    "espaces_verts": ("Entretien des espaces verts de {lieu}", "Élagage et abattage d'arbres à {lieu}",
                      "Aménagement paysager du parc de {lieu}"),
    "nettoyage_locaux": ("Nettoyage des locaux administratifs de {lieu}", "Nettoyage des écoles de {lieu}",
                         "Entretien de la vitrerie des bâtiments de {lieu}"),
    "prestations_intellectuelles": ("Étude de programmation pour un équipement culturel à {lieu}",
                                    "Assistance à maîtrise d'ouvrage – schéma directeur immobilier",
                                    "Mission de maîtrise d'œuvre pour la rénovation d'un bâtiment à {lieu}"),
    "informatique_numerique": ("Maintenance et évolution du portail citoyen", "Acquisition de postes informatiques",
                               "Infogérance du parc informatique et assistance aux utilisateurs",
                               "Reconditionnement de matériel informatique"),
    "dechets_proprete_urbaine": ("Collecte des déchets ménagers et assimilés de {lieu}",
                                 "Nettoiement des voies publiques de {lieu}", "Tri et valorisation des encombrants"),
    "communication_media_culture": ("Conception et impression du magazine municipal",
                                    "Organisation des événements culturels de l'été à {lieu}",
                                    "Prestations audiovisuelles et photographiques"),
    "fournitures": ("Fourniture de mobilier scolaire", "Fourniture de produits d'entretien",
                    "Fourniture de carburant pour les véhicules de service", "Fourniture de denrées alimentaires"),
    "transports_mobilites": ("Transport scolaire des élèves de {lieu}", "Transport de personnes à mobilité réduite",
                             "Navettes pour les sorties périscolaires"),
    "services_entreprises_particuliers": ("Conciergerie d'entreprise pour les agents", "Gestion du courrier et accueil",
                                          "Services de déménagement des services municipaux"),
    "securite_gardiennage": ("Gardiennage et surveillance des bâtiments de {lieu}",
                             "Sécurité des manifestations publiques"),
    "portage_repas": ("Portage de repas à domicile pour les personnes âgées de {lieu}",),
    "restauration": ("Restauration scolaire des écoles de {lieu}", "Fourniture de repas en liaison froide",
                     "Prestations de traiteur pour les réceptions"),
    "blanchisserie_nettoyage_vetements": ("Location et entretien des vêtements de travail",
                                          "Blanchisserie du linge hôtelier", "Nettoyage des tenues des agents"),
    "administratif_impression_numerisation": ("Numérisation des archives de l'état civil", "Impression des documents administratifs",
                                              "Mise sous pli et routage des courriers"),
    "periscolaire_animation": ("Animation des accueils périscolaires de {lieu}", "Organisation des séjours de vacances"),
    "maintenance_reparation": ("Maintenance des ascenseurs des bâtiments de {lieu}",
                               "Entretien et réparation des véhicules de la flotte"),
    "sante_action_sociale": ("Accompagnement social des ménages relogés", "Prestations de santé au travail"),
    "autres_services": ("Assurance dommages aux biens", "Services bancaires et moyens de paiement"),
}

PROCEDURES_2024 = ("Procédure adaptée", "Appel d'offres ouvert", "Appel d'offres restreint",
                   "Procédure avec négociation", "Marché passé sans publicité ni mise en concurrence préalable")
PROCEDURES_2019 = ("Procédure adaptée", "Appel d'offres ouvert", "Appel d'offres restreint",
                   "Procédure concurrentielle avec négociation",
                   "Marché négocié sans publicité ni mise en concurrence préalable")
PROCEDURE_WEIGHTS = (0.55, 0.3, 0.05, 0.05, 0.05)
SOCIAL_CONSIDERATIONS = ("Clause sociale", "Critère social", "Marché réservé")
NO_SOCIAL_CONSIDERATION = "Pas de considération sociale"

#: Columns of the national tabular DECP export (ColinMaudry/decp-processing, reference/schema_base.json).
DECP_CSV_COLUMNS = (
    "uid", "id", "nature", "acheteur_id", "acheteur_nom", "titulaire_id", "titulaire_typeIdentifiant",
    "titulaire_nom", "objet", "montant", "codeCPV", "procedure", "dureeMois", "dateNotification",
    "datePublicationDonnees", "formePrix", "considerationsSociales", "lieuExecution_code",
    "lieuExecution_typeCode",
)

SUIVI_COLUMNS = (
    "annee", "id_marche", "acheteur_siret", "acheteur_nom", "code_cpv", "segment", "entreprise_siret",
    "entreprise_nom", "heures_prevues", "heures_realisees", "participant_id", "sexe", "tranche_age",
    "niveau_qualification", "rqth", "qpv", "statut", "type_contrat", "sortie", "date_debut", "date_fin",
    "experimental",
)
DEMANDEURS_COLUMNS = ("annee", "categorie", "sexe", "tranche_age", "niveau_qualification", "anciennete",
                      "rqth", "brsa", "qpv", "code_rome", "effectif")
TENSION_COLUMNS = ("annee", "code_metier_bmo", "nom_metier_bmo", "departement", "bassin_emploi",
                   "projets_recrutement", "projets_difficiles", "projets_saisonniers")
ACHATS_COLUMNS = ("id_achat", "acheteur_siret", "objet", "code_cpv", "nature", "montant_estime_ht",
                  "montant_min_ht", "montant_max_ht", "date_debut", "duree_mois", "forme", "lieu_execution",
                  "allotissement")
STRUCTURES_COLUMNS = ("siret", "nom", "type", "secteurs", "commune", "departement", "capacite_etp")
BMO_COLUMNS = ("annee", "Code métier BMO", "Nom métier BMO", "Famille_met", "Lbl_fam_met", "REG", "NOM_REG",
               "Dept", "NomDept", "BE25", "NOMBE25", "met", "xmet", "smet")

#: Sector labels of the inclusive directory and the structure kinds that typically offer them.
STRUCTURE_SECTORS: dict[str, tuple[str, ...]] = {
    "Nettoyage": ("EI", "ACI", "AI", "EA", "ESAT"),
    "Espaces verts": ("ACI", "EI", "ESAT", "EA"),
    "Bâtiment": ("EI", "ACI", "ETTI", "GEIQ"),
    "Restauration": ("EI", "ESAT", "EA", "ACI"),
    "Traiteur": ("ESAT", "EI", "EA"),
    "Informatique": ("EA", "EI", "ESAT"),
    "Blanchisserie": ("ESAT", "EA", "EI"),
    "Collecte et tri des déchets": ("ACI", "EI", "EA"),
    "Impression": ("ESAT", "EA"),
    "Transport": ("EI", "ETTI", "EA"),
    "Multiservices": ("AI", "ETTI", "EI", "EATT", "EITI"),
    "Conciergerie": ("EA", "ESAT"),
    "Artisanat d'art": ("ESAT", "EITI"),
}
#: The same sectors as labelled by the Marché de l'inclusion (its exports), for the raw-exports territory.
MARCHE_SECTORS = {
    "Nettoyage": "Nettoyage de locaux", "Espaces verts": "Création et entretien des espaces verts",
    "Bâtiment": "Travaux de chantiers", "Restauration": "Restauration collective", "Traiteur": "Traiteur",
    "Informatique": "Gestion du parc informatique, Maintenance & Installation", "Blanchisserie": "Blanchisserie",
    "Collecte et tri des déchets": "Collecte 5 flux (papier, métal, verre et bois) et fournitures d'entreprise",
    "Impression": "Impressions", "Transport": "Transports de personnes", "Multiservices": "Services à la personne",
    "Conciergerie": "Conciergerie d'entreprise", "Artisanat d'art": "Artisanat d'art",
}
#: Structure types as the Marché de l'inclusion writes them in full.
MARCHE_STRUCTURE_TYPES = {
    "EI": "Entreprise d'insertion (EI)", "AI": "Association intermédiaire (AI)",
    "ACI": "Atelier chantier d'insertion (ACI)", "ETTI": "Entreprise de travail temporaire d'insertion (ETTI)",
    "EITI": "Entreprise d'insertion par le travail indépendant (EITI)",
    "GEIQ": "Groupement d'employeurs pour l'insertion et la qualification (GEIQ)", "EA": "Entreprise adaptée (EA)",
    "EATT": "Entreprise adaptée de travail temporaire (EATT)", "ESAT": "Établissement et service d'aide par le travail (ESAT)",
}
STRUCTURE_NAME_TEMPLATES = {
    "EI": ("Régie de quartier {lieu}", "{secteur} Solidaire {lieu}", "Tremplin {secteur}"),
    "AI": ("Association intermédiaire Coup de Main {lieu}", "Relais Emploi {lieu}"),
    "ACI": ("Chantier d'insertion {secteur} de {lieu}", "Atelier Solidaire {lieu}", "Jardins du Coteau {lieu}"),
    "ETTI": ("{lieu} Intérim Insertion", "Passerelle Intérim {lieu}"),
    "EITI": ("Coopérative d'indépendants {lieu}",),
    "GEIQ": ("GEIQ {secteur} {lieu}",),
    "EA": ("Entreprise adaptée {secteur} {lieu}", "Handi{secteur_court} {lieu}"),
    "EATT": ("Handi-Intérim {lieu}",),
    "ESAT": ("ESAT Les Ateliers de {lieu}", "ESAT {secteur} {lieu}"),
    "OPCS": ("Maison de l'emploi de {lieu}",),
}


# --- small deterministic helpers -------------------------------------------------------


def _choice(rng: np.random.Generator, items, weights=None):
    """One item of a sequence (weights need not sum to one)."""
    items = list(items)
    if weights is None:
        return items[int(rng.integers(len(items)))]
    p = np.asarray(list(weights), dtype=float)
    return items[int(rng.choice(len(items), p=p / p.sum()))]


def _weighted(rng: np.random.Generator, mapping: dict):
    return _choice(rng, list(mapping), list(mapping.values()))


def _siret(rng: np.random.Generator, used: dict) -> str:
    """A fictional Luhn-valid SIRET, unique within ``used`` (a dict used as an ordered set)."""
    while True:
        digits = str(int(rng.integers(1, 10))) + "".join(str(int(d)) for d in rng.integers(0, 10, size=12))
        if digits.startswith("356000000"):
            continue
        siret = complete_luhn(digits)
        if siret not in used:
            used[siret] = True
            return siret


def _nature(cpv: str) -> str:
    """Nature from the CPV division: 45 works, 01–44 and 48 supplies, 50 and more services."""
    division = int(cpv[:2])
    if division == 45:
        return "travaux"
    if division < 45 or division == 48:
        return "fournitures"
    return "services"


def _num(value: float) -> str:
    """A number with a decimal point and no useless zeros (``1234.5``, ``80``)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fr_num(value: float, decimals: int = 2) -> str:
    """French layout: non-breaking-space thousands separator, decimal comma (``1 234,50``)."""
    text = f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    return text


def _fr_date(day: dt.date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


def _yes_no(flag: bool) -> str:
    return "oui" if flag else "non"


def _day_in_year(rng: np.random.Generator, year: int, first: int = 0, last: int = 364) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(first, last + 1)))


# --- territory world: buyers, companies, communes -------------------------------------


@dataclass
class Buyer:
    siret: str
    nom: str
    type: str
    code: str
    partner: bool = True
    seuils: dict | None = None


@dataclass
class Company:
    siret: str
    nom: str
    segment: str


@dataclass
class Contract:
    id: str
    buyer: Buyer
    segment: str
    cpv: str
    company: Company
    start_year: int
    years: list[int]
    commune: str
    experimental: bool = False
    montant: float = 0.0
    duree_mois: int = 12
    notification: dt.date | None = None
    objet: str = ""


@dataclass
class Participant:
    id: str
    sexe: str
    tranche_age: str
    niveau: str
    rqth: bool
    qpv: bool
    statut: str


@dataclass
class World:
    rng: np.random.Generator
    communes: dict[str, str]  # code INSEE → name
    buyers: list[Buyer]
    sirets: dict = field(default_factory=dict)
    companies: dict[str, list[Company]] = field(default_factory=dict)
    company_names: dict = field(default_factory=dict)
    participants: list[Participant] = field(default_factory=list)
    pools: dict[str, list[Participant]] = field(default_factory=dict)

    def company_pool(self, segment: str, size: int) -> list[Company]:
        pool = self.companies.setdefault(segment, [])
        while len(pool) < size:
            template = _choice(self.rng, COMPANY_TEMPLATES[segment])
            name = template.format(s=_choice(self.rng, SURNAMES)) + " " + _choice(self.rng, LEGAL_FORMS)
            if name in self.company_names:
                continue
            self.company_names[name] = True
            pool.append(Company(_siret(self.rng, self.sirets), name, segment))
        return pool

    def pick_company(self, segment: str, pool_size: int = 12, *, fresh: bool = False) -> Company:
        """A company of the segment; the first ones of the pool win more contracts (concentration)."""
        if fresh:
            pool = self.company_pool(segment, len(self.companies.get(segment, [])) + 1)
            return pool[-1]
        pool = self.company_pool(segment, pool_size)[:pool_size]
        weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(pool))]
        return _choice(self.rng, pool, weights)

    def commune_name(self, code: str) -> str:
        return self.communes[code]


def _make_buyers(rng: np.random.Generator, sirets: dict, specs) -> list[Buyer]:
    return [Buyer(_siret(rng, sirets), nom, kind, code, partner, seuils) for nom, kind, code, partner, seuils in specs]


# --- participant profiles and clause follow-up ---------------------------------------


def _segment_family(segment: str) -> str:
    if segment in BTP_SEGMENTS:
        return "btp"
    if segment in ("nettoyage_locaux", "espaces_verts", "dechets_proprete_urbaine"):
        return segment
    return "autres"


def _new_participant(world: World, segment: str, experimental: bool) -> Participant:
    rng = world.rng
    if experimental:
        female = FEMALE_SHARE_EXPERIMENTAL
        qualif_w = (0.12, 0.18, 0.25, 0.25, 0.20)
        age_w = (0.35, 0.50, 0.15)
        rqth_p = 0.12
    else:
        female = FEMALE_SHARE.get(segment, FEMALE_SHARE_OTHER)
        qualif_w = (0.42, 0.38, 0.13, 0.05, 0.02)
        age_w = (0.24, 0.56, 0.20)
        rqth_p = 0.06
    sexe = "F" if rng.random() < female else "H"
    age = _choice(rng, AGE_BANDS, age_w)
    niveau = _choice(rng, QUALIFICATION_LEVELS, qualif_w)
    rqth = bool(rng.random() < rqth_p)
    qpv = bool(rng.random() < 0.38)
    if rqth and rng.random() < 0.6:
        statut = "TH"
    elif age == "moins de 26 ans" and rng.random() < 0.7:
        statut = "jeune"
    elif age == "50 ans et plus" and rng.random() < 0.5:
        statut = "senior"
    else:
        statut = _choice(rng, ("DELD", "BRSA", "autre"), (0.5, 0.35, 0.15))
    participant = Participant(f"PART-{len(world.participants) + 1:06d}", sexe, age, niveau, rqth, qpv, statut)
    world.participants.append(participant)
    return participant


def _pick_participant(world: World, segment: str, experimental: bool, taken: dict) -> Participant:
    """A participant for one contract-year: an earlier one of the same trade family (30 %) or a new one."""
    family = "experimental" if experimental else _segment_family(segment)
    pool = world.pools.setdefault(family, [])
    if pool and world.rng.random() < 0.3:
        candidate = pool[int(world.rng.integers(len(pool)))]
        if candidate.id not in taken:
            taken[candidate.id] = True
            return candidate
    participant = _new_participant(world, segment, experimental)
    pool.append(participant)
    taken[participant.id] = True
    return participant


CONTRACT_TYPE_WEIGHTS = {
    "btp": {"intérim d'insertion": 0.33, "intérim": 0.15, "CDDI": 0.12, "CDD": 0.15,
            "contrat de professionnalisation": 0.08, "apprentissage": 0.06, "CDI": 0.04, "mise à disposition": 0.07},
    "nettoyage_locaux": {"CDD": 0.35, "CDI": 0.12, "CDDI": 0.18, "mise à disposition": 0.18,
                         "intérim d'insertion": 0.17},
    "autres": {"CDD": 0.38, "CDI": 0.14, "CDDI": 0.16, "intérim d'insertion": 0.14,
               "contrat de professionnalisation": 0.1, "apprentissage": 0.08},
}
EXIT_WEIGHTS = {"emploi durable": 0.22, "emploi de transition": 0.30, "sortie positive (formation)": 0.15,
                "autre sortie": 0.33}
EXIT_WEIGHTS_EXPERIMENTAL = {"emploi durable": 0.35, "emploi de transition": 0.30,
                             "sortie positive (formation)": 0.15, "autre sortie": 0.20}


def _followup_rows(world: World, contracts: list[Contract], study_year: int, size: tuple[int, int]) -> list[dict]:
    """One row per participant × contract × year of the contracts."""
    rng = world.rng
    rows = []
    for contract in contracts:
        for year in contract.years:
            if year > study_year:
                continue
            low, high = size
            if contract.segment in BTP_SEGMENTS:
                low, high = low + 1, high + 2
            elif contract.experimental:
                low, high = low + 1, high + 3
            n = int(rng.integers(low, high + 1))
            taken: dict = {}
            family = _segment_family(contract.segment)
            type_weights = CONTRACT_TYPE_WEIGHTS.get(family, CONTRACT_TYPE_WEIGHTS["autres"])
            for _ in range(n):
                person = _pick_participant(world, contract.segment, contract.experimental, taken)
                planned = float(np.clip(round(rng.lognormal(np.log(300), 0.55) / 7) * 7, 35, 1400))
                if contract.segment in BTP_SEGMENTS:
                    planned = float(min(1600.0, planned * 1.15))
                ratio = float(rng.uniform(0.55, 1.15))
                done = round(planned * ratio * 2) / 2
                start = _day_in_year(rng, year, 0, 300)
                weeks = done / 30.0 + 1
                end = min(start + dt.timedelta(days=int(weeks * 7)), dt.date(year, 12, 31))
                in_progress = year == study_year and rng.random() < 0.45
                if in_progress:
                    exit_value, end = "en cours", None
                else:
                    weights = EXIT_WEIGHTS_EXPERIMENTAL if contract.experimental else EXIT_WEIGHTS
                    exit_value = _weighted(rng, weights)
                rows.append({
                    "annee": year,
                    "id_marche": contract.id,
                    "acheteur_siret": contract.buyer.siret,
                    "acheteur_nom": contract.buyer.nom,
                    "code_cpv": contract.cpv,
                    "segment": contract.segment,
                    "entreprise_siret": contract.company.siret,
                    "entreprise_nom": contract.company.nom,
                    "heures_prevues": planned,
                    "heures_realisees": done,
                    "participant_id": person.id,
                    "sexe": person.sexe,
                    "tranche_age": person.tranche_age,
                    "niveau_qualification": person.niveau,
                    "rqth": person.rqth,
                    "qpv": person.qpv,
                    "statut": person.statut,
                    "type_contrat": _weighted(rng, type_weights),
                    "sortie": exit_value,
                    "date_debut": start,
                    "date_fin": end,
                    "experimental": contract.experimental,
                })
    return rows


def _amount(rng: np.random.Generator, nature: str, scale: float = 1.0) -> float:
    median = {"travaux": 320_000, "services": 110_000, "fournitures": 75_000}[nature] * scale
    value = float(rng.lognormal(np.log(median), 0.9))
    return round(max(value, 25_000.0), 2)


def _objet(rng: np.random.Generator, segment: str, commune: str) -> str:
    return _choice(rng, OBJECT_TEMPLATES[segment]).format(lieu=commune)


def _clause_contracts(world: World, years: list[int], per_year: int, *, last_year: int,
                      experiments: dict[int, list[str]] | None = None) -> list[Contract]:
    """Contracts carrying an insertion clause, started each year, lasting one to three years."""
    rng = world.rng
    buyers = [b for b in world.buyers if b.partner]
    buyer_weights = [{"collectivite": 3.0, "bailleur_social": 2.0, "hopital": 1.2, "etat": 1.0}[b.type] for b in buyers]
    communes = list(world.communes)
    contracts: list[Contract] = []
    counters: dict[tuple[int, str], int] = {}
    for year in years:
        plan = [(_weighted(rng, FOLLOWUP_SEGMENT_WEIGHTS), False) for _ in range(per_year)]
        plan += [(segment, True) for segment in (experiments or {}).get(year, [])]
        for segment, experimental in plan:
            buyer = _choice(rng, buyers, buyer_weights)
            key = (year, buyer.code)
            counters[key] = counters.get(key, 0) + 1
            duration_years = 1 if experimental else int(_choice(rng, (1, 2, 3), (0.45, 0.35, 0.2)))
            cover = [y for y in range(year, year + duration_years) if y <= last_year]
            company = world.pick_company(segment, fresh=experimental)
            commune = _choice(rng, communes)
            cpv = _choice(rng, SEGMENT_CPV[segment])
            contract = Contract(
                id=f"{year}{buyer.code}{counters[key]:04d}",
                buyer=buyer, segment=segment, cpv=cpv, company=company, start_year=year, years=cover,
                commune=commune, experimental=experimental,
                montant=_amount(rng, _nature(cpv), 1.8 if segment in BTP_SEGMENTS else 1.0),
                duree_mois=12 * duration_years,
                notification=_day_in_year(rng, year - 1, 200, 364) if rng.random() < 0.5 else _day_in_year(rng, year, 0, 90),
                objet=_objet(rng, segment, world.commune_name(commune)),
            )
            contracts.append(contract)
    return contracts


# --- DECP ------------------------------------------------------------------------------


@dataclass
class DecpRecord:
    id: str
    buyer: Buyer
    objet: str
    cpv: str
    procedure: str
    commune: str
    duree_mois: int
    notification: dt.date
    publication: dt.date
    montant: float
    forme_prix: str
    holders: list[tuple[str, str, str]]  # (typeIdentifiant, id, nom)
    consideration: str


def _decp_records(world: World, years: list[int], per_year: int, clause_contracts: list[Contract],
                  social_per_year: int, *, extra_buyers: list[Buyer]) -> list[DecpRecord]:
    """Awarded contracts of the territory's buyers: some clause contracts, the rest drawn by segment."""
    rng = world.rng
    all_buyers = [b for b in world.buyers if b.partner] + extra_buyers
    communes = list(world.communes)
    records: list[DecpRecord] = []
    counters: dict[tuple[int, str], int] = {}
    by_year: dict[int, list[Contract]] = {}
    for contract in clause_contracts:
        by_year.setdefault(contract.notification.year, []).append(contract)
    for year in years:
        social: list[DecpRecord] = []
        linked = by_year.get(year, [])
        chosen = [c for c in linked if c.experimental]
        others = [c for c in linked if not c.experimental]
        need = max(0, social_per_year - len(chosen) - 2)
        if others and need:
            picks = rng.choice(len(others), size=min(need, len(others)), replace=False)
            chosen += [others[int(i)] for i in sorted(int(i) for i in picks)]
        for contract in chosen:
            social.append(DecpRecord(
                id=contract.id, buyer=contract.buyer, objet=contract.objet, cpv=contract.cpv,
                procedure=_choice(rng, PROCEDURES_2024 if year >= 2024 else PROCEDURES_2019, PROCEDURE_WEIGHTS),
                commune=contract.commune, duree_mois=contract.duree_mois, notification=contract.notification,
                publication=contract.notification + dt.timedelta(days=int(rng.integers(5, 60))),
                montant=contract.montant, forme_prix=_choice(rng, ("Forfaitaire", "Unitaire", "Mixte"), (0.5, 0.35, 0.15)),
                holders=[("SIRET", contract.company.siret, contract.company.nom)],
                consideration="Clause sociale",
            ))
        n_plain = per_year - len(social)
        n_other_social = max(0, social_per_year - len(social))
        for i in range(n_plain):
            segment = _weighted(rng, DECP_SEGMENT_WEIGHTS)
            buyer = _choice(rng, all_buyers)
            key = (year, buyer.code)
            counters[key] = counters.get(key, 0) + 1
            cpv = _choice(rng, SEGMENT_CPV[segment])
            nature = _nature(cpv)
            commune = _choice(rng, communes)
            if i < n_other_social:
                consideration = _choice(rng, SOCIAL_CONSIDERATIONS, (0.5, 0.3, 0.2))
            else:
                consideration = NO_SOCIAL_CONSIDERATION
            company = world.pick_company(segment, 10)
            holders = [("SIRET", company.siret, company.nom)]
            if nature == "travaux" and rng.random() < 0.08:
                partner_company = world.pick_company(segment, 10)
                if partner_company.siret != company.siret:
                    holders.append(("SIRET", partner_company.siret, partner_company.nom))
            notification = _day_in_year(rng, year)
            duree = int(_choice(rng, (2, 6, 12, 24, 36, 48), (0.08, 0.15, 0.35, 0.2, 0.15, 0.07)))
            records.append(DecpRecord(
                id=f"{year}{buyer.code}{500 + counters[key]:04d}", buyer=buyer,  # numbered apart from clause contracts
                objet=_objet(rng, segment, world.commune_name(commune)), cpv=cpv,
                procedure=_choice(rng, PROCEDURES_2024 if year >= 2024 else PROCEDURES_2019, PROCEDURE_WEIGHTS),
                commune=commune, duree_mois=duree, notification=notification,
                publication=notification + dt.timedelta(days=int(rng.integers(5, 60))),
                montant=_amount(rng, nature), forme_prix=_choice(rng, ("Forfaitaire", "Unitaire", "Mixte"), (0.5, 0.35, 0.15)),
                holders=holders, consideration=consideration,
            ))
        records.extend(social)
    records.sort(key=lambda r: (r.notification, r.id))
    return records


def _decp_json(records: list[DecpRecord]) -> dict:
    marches = []
    for r in records:
        marches.append({
            "id": r.id,
            "acheteur": {"id": r.buyer.siret, "nom": r.buyer.nom},
            "nature": "Marché",
            "objet": r.objet,
            "codeCPV": r.cpv,
            "procedure": r.procedure,
            "lieuExecution": {"code": r.commune, "typeCode": "Code commune"},
            "dureeMois": r.duree_mois,
            "dateNotification": r.notification.isoformat(),
            "datePublicationDonnees": r.publication.isoformat(),
            "montant": r.montant,
            "formePrix": r.forme_prix,
            "titulaires": [{"titulaire": {"typeIdentifiant": t, "id": i}} for t, i, _ in r.holders],
            "considerationsSociales": {"considerationSociale": [r.consideration]},
            "modifications": [],
        })
    return {"marches": {"marche": marches}}


def _decp_csv_rows(records: list[DecpRecord]) -> list[list[str]]:
    """One row per contract holder, as in the national tabular export."""
    rows = []
    for r in records:
        for kind, ident, name in r.holders:
            rows.append([
                r.buyer.siret + r.id, r.id, "Marché", r.buyer.siret, r.buyer.nom, ident, kind, name, r.objet,
                _num(r.montant), r.cpv, r.procedure, str(r.duree_mois), r.notification.isoformat(),
                r.publication.isoformat(), r.forme_prix, r.consideration, r.commune, "Code commune",
            ])
    return rows


# --- planned purchases ---------------------------------------------------------------


def _planned_purchases(world: World, year: int, count: int) -> list[dict]:
    rng = world.rng
    buyers = [b for b in world.buyers if b.partner]
    communes = list(world.communes)
    rows = []
    segments = list(SEGMENTS)
    for i in range(count):
        # every segment at least once, then drawn by the DECP weights
        segment = segments[i] if i < len(segments) else _weighted(rng, DECP_SEGMENT_WEIGHTS)
        buyer = buyers[i % len(buyers)] if i < len(buyers) else _choice(rng, buyers)
        cpv = _choice(rng, SEGMENT_CPV[segment])
        nature = _nature(cpv)
        commune = _choice(rng, communes)
        if segment in ("restauration", "transports_mobilites") and rng.random() < 0.3:
            forme = "délégation de service public"
        elif nature == "travaux":
            forme = _choice(rng, ("marché ordinaire", "accord-cadre à marchés subséquents"), (0.8, 0.2))
        else:
            forme = _choice(rng, ("marché ordinaire", "accord-cadre à bons de commande",
                                  "accord-cadre à marchés subséquents"), (0.4, 0.5, 0.1))
        estimate = _amount(rng, nature, 1.5 if segment in BTP_SEGMENTS else 1.2)
        estimate = round(estimate, -2)
        minimum = maximum = None
        if forme.startswith("accord-cadre"):
            maximum = round(estimate * float(rng.uniform(1.2, 1.6)), -3)
            minimum = round(estimate * 0.3, -3) if rng.random() < 0.5 else None
        duree = int(_choice(rng, (6, 12, 24, 36, 48), (0.1, 0.35, 0.2, 0.25, 0.1)))
        if forme == "délégation de service public":
            duree = 60
        lots = int(rng.integers(2, 9)) if nature == "travaux" else int(_choice(rng, (1, 2, 3, 4), (0.6, 0.2, 0.1, 0.1)))
        rows.append({
            "id_achat": f"PA{year}-{i + 1:03d}",
            "acheteur_siret": buyer.siret,
            "objet": _objet(rng, segment, world.commune_name(commune)),
            "code_cpv": cpv,
            "nature": nature,
            "montant_estime_ht": estimate,
            "montant_min_ht": minimum,
            "montant_max_ht": maximum,
            "date_debut": dt.date(year, int(rng.integers(1, 13)), 1),
            "duree_mois": duree,
            "forme": forme,
            "lieu_execution": world.commune_name(commune),
            "allotissement": lots,
        })
    return rows


# --- job seekers, trades in tension, inclusive structures ----------------------------


def _job_seekers(rng: np.random.Generator, years: list[int], n_people: int) -> list[dict]:
    """Aggregate ``n_people`` simulated job seekers per year into the sparse cross-table."""
    cells: dict[tuple, int] = {}
    families = list(ROME_FAMILY_WEIGHTS)
    for year in years:
        for _ in range(n_people):
            sexe = "F" if rng.random() < 0.51 else "H"
            column = 0 if sexe == "F" else 1
            family = _choice(rng, families, [ROME_FAMILY_WEIGHTS[f][column] for f in families])
            rome = _choice(rng, ROME_FAMILIES[family])
            key = (
                year,
                _choice(rng, ("A", "B", "C"), (0.6, 0.15, 0.25)),
                sexe,
                _choice(rng, AGE_BANDS, (0.15, 0.60, 0.25)),
                _choice(rng, QUALIFICATION_LEVELS, (0.20, 0.30, 0.25, 0.12, 0.13)),
                _choice(rng, ("moins d'un an", "un an ou plus"), (0.55, 0.45)),
                bool(rng.random() < 0.09),
                bool(rng.random() < 0.18),
                bool(rng.random() < 0.17),
                rome,
            )
            cells[key] = cells.get(key, 0) + 1
    rows = []
    for key in sorted(cells, key=lambda k: (k[0], k[9], k[1], k[2], AGE_BANDS.index(k[3]),
                                            QUALIFICATION_LEVELS.index(k[4]), k[5], k[6], k[7], k[8])):
        rows.append(dict(zip(DEMANDEURS_COLUMNS, (*key, cells[key]))))
    return rows


def _bmo_rows(rng: np.random.Generator, year: int, areas: list[tuple[str, str, str, str]]) -> list[dict]:
    """BMO survey rows: one per trade × employment area. ``areas``: (dept, dept name, BE code, BE name)."""
    rows = []
    for dept, dept_name, be_code, be_name in areas:
        for code, name, fam, fam_label, family in BMO_TRADES:
            base = {"btp": 120, "nettoyage": 260, "restauration": 180, "transport": 90, "sante": 150,
                    "blanchisserie": 5, "communication": 8}.get(family, 40)
            met = int(rng.poisson(base * float(rng.uniform(0.2, 1.0))))
            difficult = int(round(met * float(rng.uniform(0.3, 0.8))))
            seasonal = int(round(met * float(rng.uniform(0.0, 0.5 if family in ("restauration", "espaces_verts") else 0.15))))
            rows.append({
                "annee": year, "code": code, "nom": name, "fam": fam, "fam_label": fam_label,
                "dept": dept, "dept_name": dept_name, "be": be_code, "be_name": be_name,
                "met": met, "xmet": difficult, "smet": seasonal,
            })
    return rows


def _secret(value: int, threshold: int = 5):
    """BMO statistical secrecy: small counts are published as ``*``."""
    return "*" if 0 < value < threshold else value


def _structures(world: World, count: int, departement: str, *, with_opcs: bool = True) -> list[dict]:
    rng = world.rng
    sectors = list(STRUCTURE_SECTORS)
    rows = []
    names: dict = {}
    communes = list(world.communes)
    while len(rows) < count:
        main = sectors[len(rows) % len(sectors)] if len(rows) < len(sectors) else _choice(rng, sectors)
        kind = _choice(rng, STRUCTURE_SECTORS[main])
        secondary = [s for s in sectors if s != main and kind in STRUCTURE_SECTORS[s]]
        labels = [main]
        if secondary and rng.random() < 0.45:
            labels.append(_choice(rng, secondary))
        commune = world.commune_name(_choice(rng, communes))
        short = main.split(" ")[0]
        name = _choice(rng, STRUCTURE_NAME_TEMPLATES[kind]).format(lieu=commune, secteur=main, secteur_court=short)
        if name in names:
            continue
        names[name] = True
        etp = {"AI": 25, "ETTI": 35, "EI": 18, "ACI": 14, "EITI": 6, "GEIQ": 20, "EA": 30, "EATT": 15, "ESAT": 55}[kind]
        rows.append({
            "siret": _siret(rng, world.sirets), "nom": name, "type": kind, "secteurs": " | ".join(labels),
            "commune": commune, "departement": departement,
            "capacite_etp": round(float(rng.uniform(0.4, 1.6)) * etp, 1),
        })
    if with_opcs:
        commune = world.commune_name(communes[0])
        rows.append({"siret": _siret(rng, world.sirets), "nom": f"Maison de l'emploi de {commune}", "type": "OPCS",
                     "secteurs": "Accompagnement des clauses sociales", "commune": commune,
                     "departement": departement, "capacite_etp": 4.0})
    return rows


# --- writers ---------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, header, rows, *, delimiter: str = ",", encoding: str = "utf-8",
               lineterminator: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _write_dict_csv(path: Path, columns, rows: list[dict]) -> None:
    _write_csv(path, columns, [[_cell(row[c]) for c in columns] for row in rows])


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _stable_xlsx(workbook) -> bytes:
    """Save an openpyxl workbook with fixed timestamps (document properties and zip entries)."""
    workbook.properties.created = XLSX_TIMESTAMP
    workbook.properties.modified = XLSX_TIMESTAMP
    workbook.properties.creator = "diversification.inputs.samples"
    raw = io.BytesIO()
    workbook.save(raw)  # openpyxl stamps "modified" with the clock: fixed below
    stamp = XLSX_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", text)
                text = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()


def _write_xlsx(path: Path, sheets: list[tuple[str, list, list[list]]]) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stable_xlsx(workbook))


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def _yaml_list(items) -> str:
    return "[" + ", ".join(_yaml_str(str(i)) for i in items) + "]"


def _config_yaml(*, nom: str, identifiant: str, annee: int, communes: dict[str, str], departements: list[str],
                 buyers: list[Buyer], priorites: list[str], fichiers: dict, bmo_depts: list[str],
                 bmo_areas: list[str], description: str, national: str = "") -> str:
    lines = [
        "# Territoire fictif généré par diversification.inputs.samples (ne pas modifier à la main :",
        "# relancer « python -m diversification.inputs.samples »).",
        f"nom: {_yaml_str(nom)}",
        f"identifiant: {_yaml_str(identifiant)}",
        f"annee: {annee}",
        f"description: {_yaml_str(description)}",
        "# Communes fictives : le département 99 n'existe pas (les codes 99xxx désignent des pays",
        "# étrangers dans le code officiel géographique), aucun code ne peut donc désigner une vraie commune.",
        f"codes_insee: {_yaml_list(communes)}",
        f"departements: {_yaml_list(departements)}",
        "acheteurs:",
    ]
    for b in (b for b in buyers if b.partner):
        lines += [f"  - siret: {_yaml_str(b.siret)}", f"    nom: {_yaml_str(b.nom)}", f"    type: {b.type}"]
        if b.seuils:
            inner = ", ".join(f"{k}: {v}" for k, v in b.seuils.items())
            lines.append(f"    seuils: {{{inner}}}")
    lines.append(f"priorites_politiques: [{', '.join(priorites)}]")
    lines.append("secret_statistique: {seuil: 5}")
    lines.append("fichiers:")
    for key, value in fichiers.items():
        rendered = _yaml_list(value) if isinstance(value, list) else value
        lines.append(f"  {key}: {rendered}")
    lines.append(f"bmo: {{departements: {_yaml_list(bmo_depts)}, bassins_emploi: {_yaml_list(bmo_areas)}}}")
    lines.append("decisions_epinglees: {}")
    if national:
        lines.append("# Fichier DECP national fictif (101 départements) : le territoire parmi ses pairs (phase 03).")
        lines.append(f"decp_nationale: {_yaml_str(national)}")
    return "\n".join(lines) + "\n"


# --- national DECP file of the peers (issue 20) ---------------------------------------------

#: Seed of the other departments of the national sample file (the same peers for every sample territory).
NATIONAL_SEED = 20250404
#: Department codes of the national sample file besides the territory's 99 (100 of them: 101 departments in all).
NATIONAL_DEPARTMENTS = tuple([f"{d:02d}" for d in range(1, 20)] + ["2A", "2B"] + [f"{d:02d}" for d in range(21, 95)]
                             + ["971", "972", "973", "974", "976"])
NATIONAL_FILE = "national/decp_national_exemple.csv"
#: Share of the other departments' contracts published without a place of execution.
NATIONAL_NO_PLACE = 0.05


def _national_rows(territory: list[DecpRecord]) -> list[list[str]]:
    """The territory's own DECP contracts plus about 25 contracts of each of 100 other departments, whose fictional
    buyers (a « conseil départemental fictif » with most of the contracts, two others) use social considerations
    at a rate drawn per department and per segment: a national file small enough for the tests."""
    rng = np.random.default_rng(NATIONAL_SEED)
    used: dict = {}
    records = list(territory)
    for dep in NATIONAL_DEPARTMENTS:
        buyers = [Buyer(_siret(rng, used), f"Conseil départemental fictif n° {dep}", "collectivite", f"CD{dep}", False),
                  Buyer(_siret(rng, used), f"Commune fictive de Chef-Lieu-{dep}", "collectivite", f"CL{dep}", False),
                  Buyer(_siret(rng, used), f"Centre hospitalier fictif n° {dep}", "hopital", f"CH{dep}", False)]
        size = int(np.clip(rng.lognormal(3.1, 0.5), 10, 80))
        rate = float(rng.uniform(0.03, 0.35))
        for i in range(size):
            segment = _weighted(rng, DECP_SEGMENT_WEIGHTS)
            boost = 1.6 if segment in HISTORICAL_SEGMENTS else 0.7
            buyer = buyers[int(_choice(rng, (0, 1, 2), (0.6, 0.25, 0.15)))]
            cpv = _choice(rng, SEGMENT_CPV[segment])
            social = rng.random() < min(0.9, rate * boost)
            commune = "" if rng.random() < NATIONAL_NO_PLACE else f"{dep}{int(rng.integers(1, 90)):0{5 - len(dep)}d}"
            day = _day_in_year(rng, int(rng.integers(2021, 2026)))
            records.append(DecpRecord(
                id=f"N{dep}{i + 1:04d}", buyer=buyer, objet=f"Marché fictif n° {i + 1} ({_segment_words(segment)})",
                cpv=cpv, procedure=_choice(rng, PROCEDURES_2024, PROCEDURE_WEIGHTS), commune=commune,
                duree_mois=int(_choice(rng, (6, 12, 24, 36))), notification=day,
                publication=day + dt.timedelta(days=int(rng.integers(5, 60))), montant=_amount(rng, _nature(cpv)),
                forme_prix="Forfaitaire", holders=[("SIRET", _siret(rng, used), f"Entreprise fictive {dep}-{i + 1}")],
                consideration=_choice(rng, SOCIAL_CONSIDERATIONS, (0.6, 0.25, 0.15)) if social else NO_SOCIAL_CONSIDERATION,
            ))
    rows = _decp_csv_rows(records)
    for row in rows:
        if not row[17]:
            row[18] = ""  # no place of execution: neither code nor type
    return rows


def _segment_words(segment: str) -> str:
    return segment.replace("_", " ")


def _write_national(target: Path, territory: list[DecpRecord]) -> None:
    _write_csv(target / NATIONAL_FILE, DECP_CSV_COLUMNS, _national_rows(territory))


# --- the three territories ------------------------------------------------------------

METRO_COMMUNES = {
    "99001": "Valmont-sur-Loire", "99002": "Saint-Aubin-les-Prés", "99003": "Bellerive-du-Val",
    "99004": "Montfleury", "99005": "Villeneuve-des-Saules", "99006": "Roche-Aiguë",
    "99007": "Châteaubrun-la-Forêt", "99008": "Port-Lavande", "99009": "Beaulieu-les-Vignes",
    "99010": "Sainte-Mélanie", "99011": "Fontclaire", "99012": "Montessart-le-Haut",
}
RURAL_COMMUNES = {
    "99201": "Saint-Genest-en-Bocage", "99202": "Les Hautes-Combes", "99203": "Marcilly-le-Vieux",
    "99204": "Villers-la-Fontaine", "99205": "Bois-Joli",
}
BRUTS_COMMUNES = {
    "99301": "Brume-la-Rivière", "99302": "Saint-Clair-des-Brumes", "99303": "Pont-d'Aval",
}


def _generate_metropole(target: Path, *, seed: int = SEEDS["metropole-exemple"],
                        identifiant: str = "metropole-exemple", nom: str = "Métropole Exemple") -> None:
    rng = np.random.default_rng(seed)
    sirets: dict = {}
    buyers = _make_buyers(rng, sirets, [
        ("Métropole de Valmont", "collectivite", "MET", True, {"travaux": 90000, "services": 40000, "fournitures": 40000}),
        ("Ville de Valmont-sur-Loire", "collectivite", "VSL", True, {"travaux": 90000, "services": 40000, "fournitures": 40000}),
        ("Ville de Saint-Aubin-les-Prés", "collectivite", "SAP", True, None),
        ("Département du Val-Fictif", "collectivite", "DVF", True, {"travaux": 150000, "services": 90000, "fournitures": 90000}),
        ("Centre hospitalier universitaire de Valmont", "hopital", "CHU", True, {"travaux": 200000, "services": 90000, "fournitures": 90000}),
        ("Valmont Habitat", "bailleur_social", "VHA", True, {"travaux": 100000, "services": 40000, "fournitures": 40000}),
        ("Direction départementale des territoires du Val-Fictif", "etat", "DDT", True, None),
        ("Syndicat intercommunal des eaux de la Brenne", "collectivite", "SIE", False, None),
        ("Lycée professionnel Jean-Rostand de Montfleury", "collectivite", "LPJ", False, None),
        ("Communauté de communes des Coteaux", "collectivite", "CCC", False, None),
        ("Office de tourisme de Port-Lavande", "collectivite", "OTP", False, None),
    ])
    world = World(rng=rng, communes=METRO_COMMUNES, buyers=buyers, sirets=sirets)
    study_year = 2025
    experiments = {
        2024: ["informatique_numerique", "restauration", "blanchisserie_nettoyage_vetements"],
        2025: ["informatique_numerique", "communication_media_culture", "administratif_impression_numerisation",
               "restauration"],
    }
    contracts = _clause_contracts(world, list(range(2021, 2026)), 68, last_year=study_year, experiments=experiments)
    rows = _followup_rows(world, contracts, study_year, (3, 7))
    rows.sort(key=lambda r: (r["annee"], r["id_marche"], r["participant_id"]))
    _write_dict_csv(target / "suivi_clauses.csv", SUIVI_COLUMNS, rows)

    decp = _decp_records(world, list(range(2019, 2026)), 58, contracts, 8, extra_buyers=[b for b in buyers if not b.partner])
    _write_json(target / "decp" / "decp_2024_2025.json",
                _decp_json([r for r in decp if r.notification.year >= 2024]))
    _write_csv(target / "decp" / "decp_2019_2023.csv", DECP_CSV_COLUMNS,
               _decp_csv_rows([r for r in decp if r.notification.year < 2024]))

    _write_dict_csv(target / "achats_prevus.csv", ACHATS_COLUMNS, _planned_purchases(world, study_year + 1, 72))
    _write_dict_csv(target / "demandeurs_emploi.csv", DEMANDEURS_COLUMNS, _job_seekers(rng, [2024, 2025], 2600))

    areas = [("99", "Val-Fictif", "9901", "Bassin de Valmont"), ("99", "Val-Fictif", "9902", "Bassin des Coteaux"),
             ("98", "Haut-Fictif", "9801", "Bassin de Hautemont")]
    bmo = _bmo_rows(rng, study_year, areas)
    for r in bmo:  # a recent survey: FAP 2021 codes, as published since 2024
        r["code"], r["nom"] = BMO_TRADES_FAP2021[r["code"]]
    data_rows = [[r["annee"], r["code"], r["nom"], r["fam"], r["fam_label"], "99", "Région Exemple", r["dept"],
                  r["dept_name"], r["be"], r["be_name"], _secret(r["met"]), _secret(r["xmet"]), _secret(r["smet"])]
                 for r in bmo]
    description = [
        ["annee", "Année de l'enquête"],
        ["Code métier BMO", "Code du métier (nomenclature FAP 2021)"],
        ["Nom métier BMO", "Libellé du métier"],
        ["Famille_met", "Code de la famille de métiers"],
        ["Lbl_fam_met", "Libellé de la famille de métiers"],
        ["REG", "Code de la région"], ["NOM_REG", "Nom de la région"],
        ["Dept", "Code du département"], ["NomDept", "Nom du département"],
        ["BE25", "Code du bassin d'emploi"], ["NOMBE25", "Nom du bassin d'emploi"],
        ["met", "Nombre de projets de recrutement"],
        ["xmet", "Nombre de projets de recrutement jugés difficiles"],
        ["smet", "Nombre de projets de recrutement saisonniers"],
        ["*", "Effectif soumis au secret statistique"],
    ]
    _write_xlsx(target / "bmo.xlsx", [("Description_des_variables", ["Variable", "Libellé"], description),
                                      (f"BMO_{study_year}_open_data", list(BMO_COLUMNS), data_rows)])

    _write_dict_csv(target / "structures_inclusives.csv", STRUCTURES_COLUMNS, _structures(world, 46, "99"))
    _write_text(target / "territoire.yaml", _config_yaml(
        nom=nom, identifiant=identifiant, annee=study_year, communes=METRO_COMMUNES,
        departements=["99"], buyers=buyers, priorites=["informatique_numerique", "restauration"],
        fichiers={
            "suivi_clauses": "suivi_clauses.csv", "demandeurs_emploi": "demandeurs_emploi.csv",
            "metiers_tension": "bmo.xlsx", "decp": ["decp/decp_2024_2025.json", "decp/decp_2019_2023.csv"],
            "achats_prevus": "achats_prevus.csv", "structures_inclusives": "structures_inclusives.csv",
        },
        bmo_depts=["99"], bmo_areas=[],
        description="Métropole fictive : cinq années de suivi des clauses (2021-2025), sept acheteurs partenaires.",
        national=NATIONAL_FILE,
    ))
    _write_national(target, decp)


def _generate_rural(target: Path) -> None:
    rng = np.random.default_rng(SEEDS["rural-exemple"])
    sirets: dict = {}
    buyers = _make_buyers(rng, sirets, [
        ("Communauté de communes du Bocage des Combes", "collectivite", "CCB", True,
         {"travaux": 90000, "services": 40000, "fournitures": 40000}),
        ("Commune de Marcilly-le-Vieux", "collectivite", "MLV", False, None),
    ])
    world = World(rng=rng, communes=RURAL_COMMUNES, buyers=buyers, sirets=sirets)
    study_year = 2025
    contracts = _clause_contracts(world, [study_year], 7, last_year=study_year)
    rows = _followup_rows(world, contracts, study_year, (1, 4))
    rows.sort(key=lambda r: (r["annee"], r["id_marche"], r["participant_id"]))
    _write_dict_csv(target / "suivi_clauses.csv", SUIVI_COLUMNS, rows)

    for contract in contracts:  # notified in the two years of the DECP file
        if contract.notification.year < 2024:
            contract.notification = _day_in_year(rng, 2024, 200, 364)
    decp = _decp_records(world, [2024, 2025], 9, contracts, 2, extra_buyers=[buyers[1]])
    _write_json(target / "decp" / "decp_2024_2025.json", _decp_json(decp))
    _write_dict_csv(target / "demandeurs_emploi.csv", DEMANDEURS_COLUMNS, _job_seekers(rng, [study_year], 260))
    tension = [{
        "annee": r["annee"], "code_metier_bmo": r["code"], "nom_metier_bmo": r["nom"], "departement": r["dept"],
        "bassin_emploi": r["be"], "projets_recrutement": _secret(r["met"] // 6),
        "projets_difficiles": _secret(r["xmet"] // 6), "projets_saisonniers": _secret(r["smet"] // 6),
    } for r in _bmo_rows(rng, study_year, [("99", "Val-Fictif", "9903", "Bassin du Bocage")])]
    _write_dict_csv(target / "metiers_tension.csv", TENSION_COLUMNS, tension)
    _write_dict_csv(target / "structures_inclusives.csv", STRUCTURES_COLUMNS,
                    _structures(world, 5, "99", with_opcs=False))
    _write_text(target / "territoire.yaml", _config_yaml(
        nom="Territoire rural exemple", identifiant="rural-exemple", annee=study_year, communes=RURAL_COMMUNES,
        departements=["99"], buyers=buyers, priorites=["espaces_verts", "restauration"],
        fichiers={
            "suivi_clauses": "suivi_clauses.csv", "demandeurs_emploi": "demandeurs_emploi.csv",
            "metiers_tension": "metiers_tension.csv", "decp": ["decp/decp_2024_2025.json"],
            "structures_inclusives": "structures_inclusives.csv",
        },
        bmo_depts=["99"], bmo_areas=["9903"],
        description="Petit territoire rural fictif : une année, un acheteur, effectifs faibles, pas de programmation des achats.",
        national=NATIONAL_FILE,
    ))
    _write_national(target, decp)


# --- the messy exports ----------------------------------------------------------------

BRUTS_SUIVI_HEADER = (
    "Année", "Numéro marché", "SIRET acheteur", "Acheteur", "Code CPV", "Segment", "SIRET entreprise",
    "Entreprise", "Heures prévues", "Heures réalisées", "Identifiant participant", "Nom", "Date de naissance",
    "Sexe", "Tranche d'âge", "Niveau qualification", "RQTH", "QPV", "Statut", "Type contrat", "Sortie",
    "Date début", "Date fin", "Expérimentation", "Commentaire conseiller",
)


@dataclass
class Defect:
    file: str
    line: int
    column: str
    problem: str
    expected: str


def _bruts_suivi(world: World, rows: list[dict], defects: list[Defect]) -> list[list[str]]:
    rng = world.rng
    comments = ("", "", "", "RAS", "Relancer l'entreprise", "Bon parcours", "")
    out = []
    for row in rows:
        given = _choice(rng, GIVEN_NAMES[row["sexe"]])
        birth_year = {"moins de 26 ans": 2002, "26-49 ans": 1985, "50 ans et plus": 1968}[row["tranche_age"]]
        birth = dt.date(birth_year + int(rng.integers(0, 6)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        out.append([
            str(row["annee"]), row["id_marche"], row["acheteur_siret"], row["acheteur_nom"], row["code_cpv"],
            "", row["entreprise_siret"], row["entreprise_nom"].upper(), _fr_num(row["heures_prevues"], 0),
            _fr_num(row["heures_realisees"], 1), row["participant_id"],
            f"{_choice(rng, SURNAMES).upper()} {given}", _fr_date(birth), row["sexe"], row["tranche_age"],
            row["niveau_qualification"], "Oui" if row["rqth"] else "Non", "Oui" if row["qpv"] else "Non",
            row["statut"], row["type_contrat"], row["sortie"], _fr_date(row["date_debut"]), _fr_date(row["date_fin"]),
            "Oui" if row["experimental"] else "Non", _choice(rng, comments),
        ])
    col = {name: i for i, name in enumerate(BRUTS_SUIVI_HEADER)}
    file = "suivi_clauses.csv"

    def line(i: int) -> int:
        return i + 2  # the header is line 1

    edits = [
        (3, "SIRET entreprise", "", "valeur obligatoire absente (SIRET de l'entreprise vide)",
         "rejeter la ligne et la signaler (colonne obligatoire)"),
        (7, "Heures réalisées", "cent vingt", "nombre illisible (« cent vingt »)",
         "rejeter la ligne : nombre illisible, jamais remplacé par 0"),
        (11, "Heures réalisées", "-35", "heures négatives (-35)",
         "rejeter la ligne : valeur inférieure au minimum admis (0)"),
        (15, "Heures réalisées", _fr_num(50000, 0), "heures absurdes (50 000 h pour un participant)",
         "rejeter la ligne : valeur supérieure au maximum admis (20 000)"),
        (19, "Date début", "31/02/2024", "date impossible (31/02/2024)",
         "rejeter la ligne ou signaler la date comme illisible ; ne pas la corriger"),
        (23, "Date fin", "15/06/2031", "date dans le futur (15/06/2031)",
         "signaler la date future (postérieure à la date du jour) ; la date, facultative, est ignorée et la ligne conservée"),
        (27, "SIRET entreprise", None, "SIRET invalide : clé de Luhn fausse",
         "signaler le SIRET invalide, garder la ligne (même règle que pour les DECP : les heures ou la structure existent)"),
        (31, "Tranche d'âge", "18-25 ans", "valeur hors liste (« 18-25 ans »)",
         "rejeter la ligne : valeur hors liste (moins de 26 ans, 26-49 ans, 50 ans et plus)"),
        (35, "Code CPV", "4521000", "code CPV invalide (7 chiffres : zéro perdu ou chiffre manquant)",
         "signaler le code CPV invalide ; le segment ne peut pas être déduit : ligne rejetée ou segment inconnu"),
        (39, "Sexe", "X", "valeur hors liste (« X »)", "rejeter la ligne : valeur hors liste (F, H)"),
        (43, "Identifiant participant", "", "valeur obligatoire absente (identifiant du participant vide)",
         "rejeter la ligne (colonne obligatoire)"),
    ]
    for index, column, value, problem, expected in edits:
        if value is None:  # break the Luhn key of the company's SIRET
            good = out[index][col[column]]
            value = good[:-1] + str((int(good[-1]) + 1) % 10)
        out[index][col[column]] = value
        defects.append(Defect(file, line(index), column, problem, expected))
    duplicate_of = 50
    out.insert(duplicate_of + 1, list(out[duplicate_of]))
    defects.append(Defect(file, line(duplicate_of + 1), "(toutes)",
                          f"doublon exact de la ligne {line(duplicate_of)}",
                          "garder une seule des deux lignes et signaler le doublon"))
    defects.append(Defect(file, 1, "Commentaire conseiller", "colonne inconnue du kit",
                          "ignorer la colonne et le signaler"))
    defects.append(Defect(file, 1, "Nom, Date de naissance",
                          "identifiants directs de personnes (nom, date de naissance)",
                          "supprimer ces colonnes dès la lecture, sans les copier nulle part, et le signaler"))
    return out


def _generate_bruts(target: Path) -> None:
    rng = np.random.default_rng(SEEDS["exports-bruts"])
    sirets: dict = {}
    buyers = _make_buyers(rng, sirets, [
        ("Communauté d'agglomération du Pays de Brume", "collectivite", "CAB", True,
         {"travaux": 90000, "services": 40000, "fournitures": 40000}),
        ("Brume Logis – Office public de l'habitat", "bailleur_social", "BLO", True, None),
    ])
    world = World(rng=rng, communes=BRUTS_COMMUNES, buyers=buyers, sirets=sirets)
    study_year = 2025
    contracts = _clause_contracts(world, [2024, 2025], 14, last_year=study_year,
                                  experiments={2025: ["informatique_numerique"]})
    rows = _followup_rows(world, contracts, study_year, (2, 5))
    rows.sort(key=lambda r: (r["annee"], r["id_marche"], r["participant_id"]))
    defects: list[Defect] = []
    cp1252 = {"delimiter": ";", "encoding": "cp1252", "lineterminator": "\r\n"}
    _write_csv(target / "suivi_clauses.csv", BRUTS_SUIVI_HEADER, _bruts_suivi(world, rows, defects), **cp1252)

    seekers = _job_seekers(rng, [study_year], 600)
    _write_csv(target / "demandeurs_emploi.csv",
               ("Année", "Catégorie", "Sexe", "Tranche âge", "Niveau qualification", "Ancienneté", "RQTH", "BRSA",
                "QPV", "Code ROME", "Nombre"),
               [[str(r["annee"]), r["categorie"], r["sexe"], r["tranche_age"], r["niveau_qualification"],
                 r["anciennete"], "Oui" if r["rqth"] else "Non", "Oui" if r["brsa"] else "Non",
                 "Oui" if r["qpv"] else "Non", r["code_rome"], str(r["effectif"])] for r in seekers], **cp1252)

    tension = _bmo_rows(rng, study_year, [("99", "Val-Fictif", "9904", "Bassin de Brume")])
    _write_csv(target / "metiers_tension.csv",
               ("Année", "Code métier", "Nom métier", "Dept", "Bassin emploi", "met", "xmet", "smet"),
               [[str(r["annee"]), r["code"], r["nom"], r["dept"], r["be"], str(_secret(r["met"])),
                 str(_secret(r["xmet"])), str(_secret(r["smet"]))] for r in tension], **cp1252)

    purchases = _planned_purchases(world, study_year + 1, 24)
    purchase_rows = [[r["id_achat"], r["acheteur_siret"], r["objet"], r["code_cpv"], r["nature"],
                      _fr_num(r["montant_estime_ht"]),
                      "" if r["montant_min_ht"] is None else _fr_num(r["montant_min_ht"]),
                      "" if r["montant_max_ht"] is None else _fr_num(r["montant_max_ht"]),
                      _fr_date(r["date_debut"]), str(r["duree_mois"]), r["forme"], r["lieu_execution"],
                      str(r["allotissement"])] for r in purchases]
    purchase_rows[5][3] = "CPV-9091"
    defects.append(Defect("achats_prevus.csv", 7, "Code CPV", "code CPV invalide (« CPV-9091 »)",
                          "signaler le code CPV invalide ; garder l'achat avec un segment inconnu ou le rejeter, jamais deviner"))
    purchase_rows[9][5] = "à définir"
    defects.append(Defect("achats_prevus.csv", 11, "Montant estimé HT", "nombre illisible (« à définir »)",
                          "rejeter la ligne (montant obligatoire), jamais remplacé par 0"))
    _write_csv(target / "achats_prevus.csv",
               ("Id achat", "Acheteur SIRET", "Objet", "Code CPV", "Nature", "Montant estimé HT", "Montant min HT",
                "Montant max HT", "Date début", "Durée mois", "Forme", "Lieu exécution", "Allotissement"),
               purchase_rows, **cp1252)

    structures = _structures(world, 9, "99", with_opcs=False)
    # as exported by the Marché de l'inclusion: its sector labels joined by « , » (some contain a comma), the
    # structure type in full with its code
    structure_rows = [[int(s["siret"]), s["nom"], MARCHE_STRUCTURE_TYPES[s["type"]],
                       ", ".join(MARCHE_SECTORS[label] for label in s["secteurs"].split(" | ")), s["commune"],
                       s["departement"], s["capacite_etp"]] for s in structures]
    structure_rows[4][0] = int(structure_rows[4][0]) // 10 * 10 + (int(structure_rows[4][0]) % 10 + 3) % 10
    defects.append(Defect("structures_inclusives.xlsx", 6, "SIRET", "SIRET invalide : clé de Luhn fausse",
                          "signaler le SIRET invalide, garder la ligne (même règle que pour les DECP : les heures ou la structure existent)"))
    defects.append(Defect("structures_inclusives.xlsx", 1, "Secteurs d'activité",
                          "export du Marché de l'inclusion : secteurs joints par « , » (certains libellés contiennent "
                          "une virgule), type de structure en toutes lettres (« Entreprise d'insertion (EI) »)",
                          "reconnaître les libellés connus les plus longs et le code entre parenthèses"))
    defects.append(Defect("structures_inclusives.xlsx", 1, "SIRET",
                          "SIRET saisis comme nombres dans Excel (cellules numériques)",
                          "les relire comme texte à 14 chiffres, sans notation scientifique"))
    _write_xlsx(target / "structures_inclusives.xlsx",
                [("Structures", ["Siret", "Raison sociale", "Type de structure", "Secteurs d'activité", "Ville",
                                 "Département", "Capacité ETP"], structure_rows)])

    for contract in contracts:
        contract.notification = contract.notification if contract.notification.year >= 2024 else _day_in_year(rng, 2024, 0, 60)
    decp = _decp_records(world, [2024, 2025], 14, contracts, 3, extra_buyers=[])
    data = _decp_json(decp)
    marches = data["marches"]["marche"]
    marches[2]["montant"] = 0
    defects.append(Defect("decp/decp_2024_2025.json", 0, f"montant (marché {marches[2]['id']})",
                          "montant nul (0)", "signaler le montant manquant ou nul ; exclure le marché des sommes de montants"))
    marches[5]["montant"] = 5e10
    defects.append(Defect("decp/decp_2024_2025.json", 0, f"montant (marché {marches[5]['id']})",
                          "montant absurde (50 milliards d'euros)",
                          "signaler le montant aberrant et l'exclure des sommes de montants"))
    marches[8]["titulaires"] = [{"titulaire": {"typeIdentifiant": "TVA", "id": "FR40123456824"}}]
    defects.append(Defect("decp/decp_2024_2025.json", 0, f"titulaires (marché {marches[8]['id']})",
                          "titulaire identifié par un numéro de TVA intracommunautaire, pas par un SIRET",
                          "garder le marché ; ne pas contrôler l'identifiant comme un SIRET ; titulaire hors SIRENE"))
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    for i, defect in enumerate(defects):
        if defect.file.startswith("decp/") and defect.line == 0:
            marker = f'"id": "{defect.column.split("marché ")[1].rstrip(")")}"'
            defects[i].line = text[: text.index(marker)].count("\n") + 1
    _write_text(target / "decp" / "decp_2024_2025.json", text)

    _write_text(target / "DEFAUTS.md", _defects_markdown(defects))
    _write_text(target / "territoire.yaml", _config_yaml(
        nom="Exports bruts (exemple)", identifiant="exports-bruts", annee=study_year, communes=BRUTS_COMMUNES,
        departements=["99"], buyers=buyers, priorites=["informatique_numerique"],
        fichiers={
            "suivi_clauses": "suivi_clauses.csv", "demandeurs_emploi": "demandeurs_emploi.csv",
            "metiers_tension": "metiers_tension.csv", "decp": ["decp/decp_2024_2025.json"],
            "achats_prevus": "achats_prevus.csv", "structures_inclusives": "structures_inclusives.xlsx",
        },
        bmo_depts=["99"], bmo_areas=[],
        description="Fichiers tels qu'exportés par les logiciels (Windows-1252, point-virgule, virgule décimale), avec des défauts documentés dans DEFAUTS.md.",
    ))


def _defects_markdown(defects: list[Defect]) -> str:
    lines = [
        "# Défauts volontaires du territoire « exports-bruts »",
        "",
        "Ces fichiers imitent des exports réels : Windows-1252, séparateur « ; », virgule décimale, "
        "séparateur de milliers en espace insécable, dates jj/mm/aaaa, en-têtes accentués. "
        "Chaque défaut ci-dessous a été introduit exprès ; les autres lignes sont valides. "
        "Les numéros de ligne comptent l'en-tête comme ligne 1 (pour le JSON : ligne du champ « id » du marché ; "
        "pour le classeur Excel : numéro de ligne de la feuille).",
        "",
        "| fichier | ligne | colonne | défaut | ce que le chargement doit faire |",
        "|---|---|---|---|---|",
    ]
    for d in sorted(defects, key=lambda d: (d.file, d.line, d.column)):
        lines.append(f"| `{d.file}` | {d.line} | {d.column} | {d.problem} | {d.expected} |")
    return "\n".join(lines) + "\n"


# --- public API ------------------------------------------------------------------------

_GENERATORS = {
    "metropole-exemple": _generate_metropole,
    "rural-exemple": _generate_rural,
    "exports-bruts": _generate_bruts,
}


def generate_territory(name: str, target_dir: Path) -> Path:
    """Write the sample territory ``name`` into ``target_dir/name`` and return that folder.

    Files of an earlier generation are overwritten; nothing else in the folder is touched.
    """
    if name not in _GENERATORS:
        raise ValueError(f"Territoire d'exemple inconnu : « {name} » (connus : {', '.join(TERRITORIES)}).")
    folder = Path(target_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    _GENERATORS[name](folder)
    return folder


def generate_seeded_territory(seed: int, folder: Path) -> Path:
    """Write into ``folder`` a fictional territory drawn from ``seed`` and return that folder.

    The territory has the layout and every input of ``metropole-exemple`` (five years of follow-up,
    DECP in both formats, planned purchases, job seekers, BMO workbook, inclusive structures), its
    figures drawn from ``numpy.random.default_rng(seed)``: the same seed writes the same bytes, two
    seeds write different figures. Its ``identifiant`` is ``genere-<seed>`` (one reports folder per
    seed, so that a batch of generated territories passes ``lot``'s check of distinct identifiers).
    Used by the batch benchmark (``benchmarks/bench.py``).
    """
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"Graine « {seed} » refusée : un entier positif ou nul est attendu.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _generate_metropole(folder, seed=seed, identifiant=f"genere-{seed}", nom=f"Territoire généré (graine {seed})")
    return folder


def generate_all(target_dir: Path) -> list[Path]:
    """Write the three sample territories into ``target_dir``; return their folders."""
    return [generate_territory(name, target_dir) for name in TERRITORIES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m diversification.inputs.samples",
        description="Régénère les territoires fictifs d'exemple (données déterministes).",
    )
    parser.add_argument("--dossier", type=Path, default=EXAMPLES_DIR,
                        help="dossier de destination (par défaut : data_samples/territoires du dépôt, ou "
                             "territoires/ du dossier courant quand le kit est installé)")
    args = parser.parse_args(argv)
    for folder in generate_all(args.dossier):
        print(f"Territoire écrit : {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
