"""The experiment layer: scenario files, designs, the batch runner, the results store and their analysis.

``load_scenario`` reads a validated scenario; ``run_batch`` runs it on any ``concurrent.futures`` executor and
streams results to ``results/<scenario>/``; ``load_results`` reads them back; ``write_report`` turns them into
a Markdown report with figures.
"""

from .runner import BatchInterrupted, BatchResult, ExecutorBroken, load_results, process_pool, run_batch, run_one
from .schema import Scenario, ScenarioError, load_scenario, scenario_from_dict
from .store import ResultsError


def __getattr__(name: str):
    # The report pulls in Matplotlib; load it only when asked for, so `import sim` stays quick.
    if name == "write_report":
        from .report import write_report

        return write_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BatchInterrupted",
    "BatchResult",
    "ExecutorBroken",
    "ResultsError",
    "Scenario",
    "ScenarioError",
    "load_results",
    "load_scenario",
    "process_pool",
    "run_batch",
    "run_one",
    "scenario_from_dict",
    "write_report",
]
