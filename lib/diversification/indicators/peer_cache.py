"""The peers' indicators of a national DECP file, computed once per file content (Parquet cache).

Beside the cleaned table of :func:`national.ingest_national` (same folder, same SHA-256 of the file in the name and in
the Parquet metadata): ``….pairs-N.departements.parquet`` (department × segment), ``….pairs-N.totaux.parquet``
(department totals and concentration) and ``….pairs-N.acheteurs.parquet`` (buyer × segment, every buyer with its
number of contracts: the threshold of ``parametres.csv`` is applied when read, so that changing it needs no new run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from diversification.indicators import peers
from diversification.inputs.errors import InputError
from diversification.inputs.national import cache_paths, file_hash, ingest_national

#: Version of the indicators' cache (bumped when a definition of :mod:`peers` changes).
PEERS_CACHE_VERSION = "1"
PARTS = ("departements", "totaux", "acheteurs")
#: Columns of the cleaned table the indicators need.
NEEDED = ["acheteur_id", "acheteur_nom", "departement", "segment", "consideration_sociale", "montant_final",
          "montant_valide", "clause_sociale", "critere_social", "marche_reserve"]
#: Text columns grouped on: read as dictionaries.
DICTIONARY_COLUMNS = ["acheteur_id", "acheteur_nom", "departement", "segment", "consideration_sociale"]
HASH_KEY = b"sha256_fichier"


@dataclass(frozen=True)
class PeerIndicators:
    """The three tables of the cache and the hash of the national file they come from."""

    departements: pd.DataFrame
    totaux: pd.DataFrame
    acheteurs: pd.DataFrame
    sha256: str
    fichier: str


def peer_cache_paths(path: str | Path, cache_dir: str | Path) -> dict[str, Path]:
    """Cache file of each table, beside the cleaned table of ``path``."""
    cleaned = cache_paths(path, cache_dir)[0]
    return {part: cleaned.with_suffix(f".pairs-{PEERS_CACHE_VERSION}.{part}.parquet") for part in PARTS}


def read_cleaned(cleaned_file: str | Path) -> pd.DataFrame:
    """The columns of the cleaned national table the indicators need, the text ones as categoricals (read as
    Parquet dictionaries: grouped by their codes)."""
    return pq.read_table(cleaned_file, columns=NEEDED, read_dictionary=DICTIONARY_COLUMNS).to_pandas()


def compute_peer_indicators(cleaned: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three tables from the cleaned national table (pure), computed from its partial sums by buyer, place and
    segment (:func:`peers.contract_sums`)."""
    placed = peers.attach_departments(peers.contract_sums(cleaned))
    indicators = peers.department_segment_indicators(placed)
    totals = peers.department_totals(placed).merge(peers.department_concentration(indicators), on="departement",
                                                   how="left")
    return {"departements": indicators, "totaux": totals, "acheteurs": peers.buyer_segment_indicators(placed, 1)}


def _write(frame: pd.DataFrame, target: Path, digest: str) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), HASH_KEY: digest.encode()})
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(target)


def _read(target: Path, digest: str) -> pd.DataFrame | None:
    if not target.exists():
        return None
    if (pq.read_schema(target).metadata or {}).get(HASH_KEY, b"").decode() != digest:
        return None
    return pq.read_table(target).to_pandas()


def national_peer_indicators(path: str | Path, cache_dir: str | Path, *, today: date | None = None) -> PeerIndicators:
    """The peers' indicators of the national file ``path``: read from the cache when it holds this file's content,
    else computed from its cleaned table (itself cleaned once, :func:`national.ingest_national`) and cached."""
    path = Path(path)
    digest = file_hash(path)
    targets = peer_cache_paths(path, cache_dir)
    found = {part: _read(target, digest) for part, target in targets.items()}
    if any(frame is None for frame in found.values()):
        cleaned_file, _ = ingest_national(path, cache_dir, today=today)
        cleaned = read_cleaned(cleaned_file)
        found = compute_peer_indicators(cleaned)
        for part, frame in found.items():
            _write(frame, targets[part], digest)
        found = {part: _read(target, digest) for part, target in targets.items()}
    return PeerIndicators(found["departements"], found["totaux"], found["acheteurs"], digest, path.name)


def national_file_status(config) -> tuple[str, bool]:
    """The French line ``diversification valider`` prints about the national DECP file of ``territoire.yaml``, and
    whether it is a problem (a configured file that is missing: phase 03 would fail)."""
    path = config.national_decp
    if path is None:
        return ("Fichier DECP national : non configuré. La section « Le territoire parmi ses pairs » expliquera "
                "comment l'ajouter (clé « decp_nationale: chemin/vers/decp.csv » de territoire.yaml) ; le reste de "
                "l'étude n'en dépend pas."), False
    if not path.is_file():
        return (f"Fichier DECP national : « {path} » introuvable (clé « decp_nationale » de territoire.yaml) : "
                f"corrigez le chemin ou retirez la clé."), True
    how = (f"pairs choisis par la liste « pairs » ({len(config.peers)} département(s))" if config.peers
           else "pairs : les départements de la même tranche de taille (bandes_pairs.csv)")
    return f"Fichier DECP national : « {path.name} » configuré ({how}).", False


def study_peers(config, cache_dir: str | Path, labels: dict[str, str], *,
                today: date | None = None) -> dict[str, pd.DataFrame]:
    """The section's tables for a territory (:class:`TerritoryConfig`): from its ``decp_nationale`` file (cached
    indicators), its first department and its ``pairs`` list; without a national file, the note that says how to add
    one."""
    path = config.national_decp
    if path is None:
        return peers.no_file_tables()
    if not path.is_file():
        raise InputError(f"territoire.yaml : decp_nationale : le fichier « {path} » est introuvable.")
    if not config.departements:
        raise InputError("territoire.yaml : « departements » est vide : le département à comparer à ses pairs manque.")
    found = national_peer_indicators(path, cache_dir, today=today)
    departement = str(config.departements[0]).strip().upper()
    group, how = peers.peer_group(departement, found.totaux, pairs=config.peers or None)
    threshold = peers.buyer_threshold(config.get("parametres"))
    buyers = peers.buyers_above(found.acheteurs, threshold)
    source = f"fichier « {found.fichier} » (empreinte SHA-256 {found.sha256[:12]}…), acheteurs d'au moins {threshold} marchés"
    return peers.section_tables(found.departements, buyers, departement, group, how, labels, source=source)
