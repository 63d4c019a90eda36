"""The experiment layer: scenario files, designs, the batch runner, the results store and their analysis.

``load_scenario`` reads a validated scenario (``schema``, with its ``designs``); ``run_batch`` (``runner``) runs
its tasks (``tasks``) on any ``concurrent.futures`` executor (``executors`` builds process pools and Dask
clusters) and streams results to ``results/<scenario>/`` (``store``); ``load_results`` reads them back as a
``BatchResult`` (``results``); ``write_report`` (``report``) turns them into a Markdown report with figures.
The attribution (``attribution``, over the ``mechanisms`` catalogue), the statistics (``analysis``,
``sensitivity``, ``discovery``) sit beside them; no module here imports one that imports it back.
"""

from .executors import ExecutorBroken, process_pool
from .results import BatchResult, load_results
from .runner import BatchInterrupted, run_batch
from .schema import Scenario, ScenarioError, load_scenario, scenario_from_dict
from .store import ResultsError
from .tasks import run_one


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
