"""What every presenter page runs before its explorers: projector styling and data.

The pages in this folder are opened by Voila (``make present``), which runs them in
this folder, so ``import presenter`` finds this module. Nothing here is used by the
notebooks themselves.
"""

import os

# One BLAS thread, as notebooks 10 and 11 explain: the networks multiply many small
# matrices, and on a shared two-core machine extra BLAS threads make training several
# times slower. It only takes effect before NumPy is first imported, so it comes first
# (a fresh Voila kernel has not imported NumPy yet).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from functools import lru_cache  # noqa: E402

import numpy as np  # noqa: E402
from IPython.display import HTML, display  # noqa: E402

# Only applies under Voila (its <body> carries data-voila): opened in JupyterLab, a
# page keeps JupyterLab's own look. zoom scales text, controls and pictures alike,
# like the browser's Ctrl and +, so fixed-size widgets grow with the text.
PROJECTOR_CSS = """
<style class="presenter-style">
body[data-voila] { zoom: 1.3; }
body[data-voila] .jp-CodeCell:has(style.presenter-style) { display: none; }
body[data-voila] .jp-RenderedHTMLCommon { font-size: 17px; line-height: 1.5; }
body[data-voila] .jp-RenderedHTMLCommon h1 { font-size: 2.1em; margin-top: 0.4em; }
body[data-voila] .jp-RenderedHTMLCommon h2 { font-size: 1.6em; margin-top: 1.4em;
    border-top: 2px solid #ddd; padding-top: 0.6em; }
body[data-voila] .jp-RenderedHTMLCommon table { font-size: 17px; }
body[data-voila] { --jp-widgets-font-size: 15px; --jp-widgets-inline-height: 32px; }
body[data-voila] .jupyter-widgets img { max-width: 100%; height: auto; }
</style>
"""


def setup():
    """Apply the projector styling (an invisible output; its CSS styles the page)."""
    display(HTML(PROJECTOR_CSS))


@lru_cache(maxsize=1)
def mnist_train():
    """The bundled MNIST training split (8,000 digits, offline): (x uint8 (N, 28, 28), y (N,))."""
    from helpers.data import load_mnist

    (x_train, y_train), _ = load_mnist(source="bundled")
    return x_train, y_train


def first_digit(label):
    """The first training image showing ``label``: uint8 (28, 28), pixels 0..255."""
    x_train, y_train = mnist_train()
    return x_train[int(np.flatnonzero(y_train == label)[0])]


def digits(n):
    """The first ``n`` training images: uint8 (n, 28, 28)."""
    return mnist_train()[0][:n]
