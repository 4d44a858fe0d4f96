"""A small valid territory that each bad-input case spoils in one place."""

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

SUIVI_HEADER = ("annee;id_marche;acheteur_siret;code_cpv;entreprise_siret;entreprise_nom;heures_prevues;heures_realisees;"
                "participant_id;sexe;tranche_age;niveau_qualification;rqth;qpv;statut;date_debut")
SUIVI_ROWS = [
    "2024;M1;13001845000028;45210000;44090956200041;Bâtiments Évrard;100;80,5;P1;F;26-49 ans;4 (bac);non;oui;DELD;01/02/2024",
    "2024;M1;13001845000028;45210000;44090956200041;Bâtiments Évrard;100;60;P2;H;50 ans et plus;3;oui;non;senior;01/02/2024",
    "2024;M2;13001845000028;90910000;44090956200041;Propreté Sud;200;150;P3;H;moins de 26 ans;infra 3;non;non;jeune;02/01/2024",
    "2024;M3;13001845000028;72212000;44090956200041;Numérique & Co;50;50;P4;F;26-49 ans;6 et plus;non;non;autre;01/03/2024",
]
DEMANDEURS = ("annee;sexe;tranche_age;niveau_qualification;anciennete;rqth;brsa;qpv;code_rome;effectif\n"
              "2024;F;26-49 ans;4 (bac);un an ou plus;non;non;non;M1805;40\n"
              "2024;H;26-49 ans;3 (CAP-BEP);moins d'un an;non;non;non;K2204;60\n")
ACHATS = ("id_achat;acheteur_siret;objet;code_cpv;nature;montant_estime_ht;date_debut;duree_mois\n"
          "A1;13001845000028;Nettoyage des écoles;90910000;services;120 000;01/01/2027;36\n"
          "A2;13001845000028;Restauration scolaire;55523100;services;300 000;01/09/2027;48\n")
STRUCTURES = ("siret;nom;type;secteurs;commune;departement;capacite_etp\n"
              "44090956200041;Régie Nord;ACI;Espaces verts | Nettoyage;Lille;59;12,5\n"
              "13001845000028;ESAT du Lac;ESAT;Blanchisserie;Annecy;74;40\n")
TENSION = ("annee;code_metier_bmo;nom_metier_bmo;departement;projets_recrutement;projets_difficiles;projets_saisonniers\n"
           "2024;T4Z60;Agents d'entretien de locaux;59;120;80;*\n")
CONFIG = ('nom: "Territoire des cas"\nidentifiant: cas\nannee: 2024\n'
          'acheteurs:\n  - {siret: "13001845000028", nom: "GIP Maximilien", type: collectivite}\n')


@pytest.fixture
def territory(tmp_path) -> Path:
    folder = tmp_path / "cas"
    (folder / "decp").mkdir(parents=True)
    (folder / "territoire.yaml").write_text(CONFIG, encoding="utf-8")
    (folder / "suivi_clauses.csv").write_text("\n".join([SUIVI_HEADER, *SUIVI_ROWS]) + "\n", encoding="utf-8")
    (folder / "demandeurs_emploi.csv").write_text(DEMANDEURS, encoding="utf-8")
    (folder / "achats_prevus.csv").write_text(ACHATS, encoding="utf-8")
    (folder / "structures_inclusives.csv").write_text(STRUCTURES, encoding="utf-8")
    (folder / "metiers_tension.csv").write_text(TENSION, encoding="utf-8")
    shutil.copy(FIXTURES / "decp_reels" / "decp-13001845000028-2024-02-29-01.json", folder / "decp" / "reel.json")
    return folder
