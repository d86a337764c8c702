"""Interactive explorers (ipywidgets) for the notebooks and for presenter mode.

Each explorer is a function that builds and returns one ipywidgets container,
so the same explorer works in a notebook cell, in JupyterLab and in Voila
(``make present``). Importing this package pulls in matplotlib and ipywidgets;
the kernels (``helpers.conv`` ...) never do.
"""
