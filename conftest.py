"""pytest configuration for the whole repository (tests/ and, under nbval, notebooks/).

Exercise solutions (code cells tagged ``solution``) are stored without outputs, so a saved
notebook never shows them, but with their execution count, as a restart-and-run-all numbers
every cell. nbval still runs them (a broken solution fails the notebook tests) and does not
compare what they print (it would compare against the empty stored output).
"""


def pytest_collection_modifyitems(items):
    for item in items:
        cell, options = getattr(item, "cell", None), getattr(item, "options", None)
        if cell is None or options is None:
            continue                               # not an nbval notebook cell
        if "solution" in cell.get("metadata", {}).get("tags", []):
            options["check"] = False
