"""Pseudonymisation of participant identifiers and detection of direct identifiers.

Participant-level data (sex, age band, disability, RSA, QPV residence) concern
vulnerable people. The kit never keeps the identifier of the facilitator's
tracking software: it is replaced, as soon as the file is loaded, by a keyed
hash (HMAC-SHA-256) computed with a secret specific to the territory.

The secret (« sel ») is 32 random bytes stored, in hexadecimal, in the file
:data:`SALT_FILE_NAME` inside the territory folder, with permissions 0600
(owner read/write only; on Windows the permission bits are not enforced and the
folder's access rights are what protects it). It is created on first use.
The same secret gives the same pseudonyms from one study to the next, so that a
participant followed over several years keeps one pseudonym; a different
territory (hence a different secret) gives different pseudonyms, so that two
territories cannot link their participants.

Callers' duties (not done here, on purpose, since this module writes nothing but
the secret itself):

* never copy the secret file into a run folder, a report, an archive or a git
  repository (the file name starts with a dot and should be listed in
  ``.gitignore``);
* drop the columns returned by :func:`find_direct_identifier_columns` before
  anything else is done with a participant-level table, and apply that function
  only to participant-level inputs (``InputSpec.personal``): a structure's
  ``nom`` is not personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import pandas as pd

from diversification.inputs.errors import InputError
from diversification.inputs.parsing import normalize_header
from diversification.inputs.schemas import DIRECT_IDENTIFIERS

#: Name of the secret file, inside the territory folder.
SALT_FILE_NAME = ".sel_pseudonymisation"
#: Number of random bytes of a new secret.
SALT_BYTES = 32
#: Prefix and length (hex characters) of a pseudonym.
PSEUDONYM_PREFIX = "P-"
PSEUDONYM_HEX_CHARS = 20

_HEX_SALT = re.compile(r"^[0-9a-fA-F]{%d}$" % (2 * SALT_BYTES))

#: Further spellings of direct identifiers, after :func:`normalize_header`.
DIRECT_IDENTIFIER_ALIASES = (
    "nom_de_famille",
    "nom_d_usage",
    "nom_usage",
    "nom_naissance",
    "nom_de_naissance",
    "nom_complet",
    "nom_et_prenom",
    "prenom_nom",
    "prenoms",
    "prenom_s",
    "ddn",
    "naissance",
    "ne_le",
    "ne_e_le",
    "lieu_de_naissance",
    "lieu_naissance",
    "n_securite_sociale",
    "n_de_securite_sociale",
    "no_securite_sociale",
    "numero_de_securite_sociale",
    "numero_secu",
    "num_secu",
    "secu",
    "nss",
    "e_mail",
    "mail",
    "adresse_mail",
    "adresse_e_mail",
    "adresse_email",
    "adresse_electronique",
    "mel",
    "tel",
    "telephone_portable",
    "telephone_fixe",
    "portable",
    "mobile",
    "numero_de_telephone",
    "num_tel",
    "n_telephone",
    "n_de_telephone",
    "adresse_postale",
    "domicile",
    "identifiant_pole_emploi",
    "id_pole_emploi",
    "numero_pole_emploi",
    "id_france_travail",
    "numero_france_travail",
    "n_france_travail",
    "identifiant_ft",
)

_DIRECT_IDENTIFIER_KEYS = frozenset(
    normalize_header(name) for name in (*DIRECT_IDENTIFIERS, *DIRECT_IDENTIFIER_ALIASES)
)


def load_or_create_salt(territory_dir: Path) -> bytes:
    """The territory's pseudonymisation secret, created (mode 0600) on first use.

    Raises :class:`InputError` (French message) when the territory folder does
    not exist or when the secret file is unreadable or corrupt: a corrupt secret
    is never replaced silently, since a new secret would change every pseudonym.
    """
    territory_dir = Path(territory_dir)
    path = territory_dir / SALT_FILE_NAME
    if not territory_dir.is_dir():
        raise InputError(
            f"Le dossier du territoire « {territory_dir} » n'existe pas : "
            "impossible d'y lire ou d'y créer le secret de pseudonymisation."
        )
    if not path.exists():
        try:
            return _create_salt(path)
        except FileExistsError:  # created meanwhile by another process
            pass
    return _read_salt(path)


def _create_salt(path: Path) -> bytes:
    salt = secrets.token_bytes(SALT_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (salt.hex() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    _restrict_permissions(path)
    return salt


def _restrict_permissions(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError:  # pragma: no cover - filesystem without POSIX modes
        pass


def _read_salt(path: Path) -> bytes:
    problem = (
        f"Le fichier secret de pseudonymisation « {path} » est illisible ou corrompu "
        f"({2 * SALT_BYTES} caractères hexadécimaux attendus). Restaurez-le depuis une "
        "sauvegarde ; le supprimer crée un nouveau secret au prochain lancement, et les "
        "pseudonymes ne correspondront plus à ceux des études précédentes."
    )
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(problem) from exc
    if not _HEX_SALT.match(text):
        raise InputError(problem)
    if path.stat().st_mode & 0o077:
        _restrict_permissions(path)
    return bytes.fromhex(text)


def _identifier_text(value: object) -> str | None:
    """Stripped text of an identifier, or None when it is missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():  # 1234.0 read from a spreadsheet is the id 1234
            return str(int(value))
    text = str(value).strip()
    return text or None


def pseudonymize_value(value: object, salt: bytes) -> str | None:
    """Pseudonym of one identifier: ``"P-"`` + 20 hex characters of HMAC-SHA-256."""
    text = _identifier_text(value)
    if text is None:
        return None
    digest = hmac.new(salt, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_CHARS]


def pseudonymize_series(values: pd.Series, salt: bytes) -> pd.Series:
    """Keyed pseudonyms of a column of identifiers (new series, same index and name).

    Identifiers are stripped before hashing (`` 42 `` and ``42`` give one
    pseudonym); missing or blank identifiers stay missing.
    """
    if not isinstance(salt, (bytes, bytearray)) or len(salt) < 16:
        raise ValueError("salt must be at least 16 bytes (use load_or_create_salt)")
    key = bytes(salt)
    pseudonyms = [pseudonymize_value(v, key) for v in values.tolist()]
    return pd.Series(pseudonyms, index=values.index, name=values.name, dtype="str")


def find_direct_identifier_columns(columns: list[str]) -> list[str]:
    """Columns (as given, in order) whose header names a direct personal identifier.

    Matching is exact after :func:`normalize_header` (« Date de naissance »,
    « E-mail », « Prénom »...), so ``acheteur_nom`` or ``nom_metier`` do not match.
    """
    return [col for col in columns if normalize_header(col) in _DIRECT_IDENTIFIER_KEYS]
