"""Cells shared by several notebook builders (run from the repository root, like the builders)."""

REPORT_CHARTS_TEXT = """## Pour le rapport

Les graphiques de cette phase sont dessinés dès maintenant pour le rapport d'étude (phase 10), à partir des tables publiées ci-dessus ; ils restent disponibles en PNG dans le dossier `graphiques/` du run, pour d'autres documents. En exploration (sans dossier de run), rien n'est écrit."""


def report_charts_cells(md, code, key: str) -> list:
    """The « Pour le rapport » section: the phase draws its report charts as it ends."""
    return [md(REPORT_CHARTS_TEXT),
            code(f"""from diversification.publish import report

graphiques = report.publish_section_charts(etude, "{key}")""")]


def exercise_cells(md, code, phase: str, table: str) -> list:
    """The training exercise of a phase (:mod:`diversification.run.training`): its statement, then the cell where the
    learner writes an answer, checked against ``table`` (an expression of the notebook); its output is pinned
    (no answer under papermill: the cell only says what to do)."""
    from diversification.run.training import statement_markdown

    return [md(statement_markdown(phase)),
            code(f"""# NBVAL_CHECK_OUTPUT
from diversification.run import training

reponse = None  # votre réponse : un nombre, ou un libellé entre guillemets ; "?" affiche la réponse
print(training.check("{phase}", reponse, {table}))""", metadata={"keep_output": True})]
