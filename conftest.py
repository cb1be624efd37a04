"""pytest set-up for the whole tree (the notebooks included)."""


def pytest_collectstart(collector):
    # Stored notebook outputs: compare text, not HTML renderings (audio players
    # embed their WAV as base64, tables render twice) nor widget state.
    if getattr(collector, "fspath", None) and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("text/html", "application/javascript", "image/svg+xml")
