"""Kit « Diversification des segments d'achats ».

The installable helper library behind the phase notebooks. Importing it has no
side effect: no file is read, no logging is configured.
"""

__version__ = "0.1.0"
