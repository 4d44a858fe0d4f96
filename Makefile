# Kit « Diversification des segments d'achats » — front door.
# make study : crée .venv si besoin, installe le kit, lance l'étude sur le territoire d'exemple.
# make test  : même amorçage, puis toute la suite de tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installe
TERRITOIRE ?= data_samples/territoires/metropole-exemple
ANNEE ?=

.DEFAULT_GOAL := help
.PHONY: help install study test test-rapide bench lab clean-venv

help: ## Liste les cibles
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Crée l'environnement .venv et installe le kit
	@-$(BIN)/nbstripout --install --attributes .gitattributes >/dev/null 2>&1 || true
	@# nbstripout --install drops --keep-count and --extra-keys from the filter: set the clean command in full
	@# (the pinned cells keep their execution count, which nbval needs)
	@-git config filter.nbstripout.clean '"$(abspath $(BIN))/python" -m nbstripout --keep-count --extra-keys "metadata.papermill cell.metadata.papermill"' >/dev/null 2>&1 || true

study: install ## Lance l'étude complète sur le territoire d'exemple (TERRITOIRE=..., ANNEE=...)
	$(BIN)/diversification etude --territoire $(TERRITOIRE) $(if $(ANNEE),--annee $(ANNEE),)

test: install ## Toute la suite : unitaires, notebooks (nbval), bout en bout, mauvaises entrées
	$(BIN)/python -m pytest tests notebooks --nbval-lax -p no:cacheprovider

test-rapide: install ## Tests unitaires seulement
	$(BIN)/python -m pytest tests -m "not e2e" -p no:cacheprovider

bench: install ## Mesures de performance (hors tests) : résultats dans benchmarks/resultats/
	$(BIN)/python benchmarks/bench.py

lab: install ## Ouvre JupyterLab en français sur les notebooks du kit (aussi en root) et affiche l'adresse
	DIVERSIFICATION_TERRITOIRE="$(TERRITOIRE)" DIVERSIFICATION_ANNEE="$(ANNEE)" $(BIN)/python -m diversification.run.lab notebooks

clean-venv: ## Supprime l'environnement .venv
	rm -rf $(VENV)
