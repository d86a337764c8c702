"""The presenter pages: which explorers each notebook's page shows, and how.

``PAGES`` maps a notebook's file stem (``notebooks/<stem>.ipynb``) to its explorers,
in the order the notebook shows them. Each explorer is a heading, one line saying
what to try, and the code that builds it: imports plus one call, the same call the
notebook makes, so that the page shows exactly the notebook's explorer.

After editing this file, regenerate the pages:

    .venv/bin/python tools/present.py

The page title comes from the notebook's own first heading, so renaming a notebook's
title needs only a regeneration. ``tests/test_browser.py`` checks that the pages are
up to date, that every explorer a notebook displays is on its page, and (in the
browser) that every page loads and reacts to its controls.
"""

from typing import NamedTuple


class Explorer(NamedTuple):
    heading: str
    hint: str
    code: str


PAGES = {
    "01_convolution_by_hand": [
        Explorer(
            "Slide a filter over a digit",
            "Move the row and column sliders: the red square is the patch; its products with the "
            "filter add up to one number of the feature map.",
            "from helpers.explorers.convolution import window_explorer\n"
            "from presenter import first_digit\n"
            "\n"
            "window_explorer(first_digit(8), title=\"the 8\")",
        ),
        Explorer(
            "Edit a 3x3 filter",
            "Pick a preset or type nine weights: the feature map is recomputed at once.",
            "from helpers.explorers.convolution import filter_editor\n"
            "from presenter import first_digit\n"
            "\n"
            "filter_editor(first_digit(8))",
        ),
    ],
    "02_the_3x3_example": [
        Explorer(
            "The 3x3 example, one output at a time",
            "Press 'next step' (or drag step k): each output is the sum of four products.",
            "import numpy as np\n"
            "from helpers.explorers.convolution import step_explorer\n"
            "\n"
            "x = np.array([[1, 7, 2], [11, 1, 23], [2, 2, 2]])   # the article's image\n"
            "w = np.array([[1, 1], [0, 1]])                      # and its filter\n"
            "step_explorer(x, w)",
        ),
        Explorer(
            "Output size: (n + 2p - f) // s + 1",
            "Change n, f, p and s: dots mark where the window starts; red cells are never read.",
            "from helpers.explorers.convolution import output_size_explorer\n"
            "\n"
            "output_size_explorer(n=8, f=3, padding=0, stride=2)",
        ),
    ],
    "03_fully_connected_layer": [
        Explorer(
            "Where each number goes: flatten, reshape, transpose",
            "Choose an operation and follow the colours from the feature maps to the vector.",
            "from helpers.explorers.dense_sigmoid import shape_tracer\n"
            "\n"
            "shape_tracer()",
        ),
    ],
    "04_sigmoid": [
        Explorer(
            "When the sigmoid goes flat",
            "Change the weight scale and the initialisation: how many neurons are saturated?",
            "import numpy as np\n"
            "from helpers.conv import conv2d_forward\n"
            "from helpers.explorers.dense_sigmoid import saturation_explorer\n"
            "from helpers.layers import sigmoid\n"
            "from presenter import digits\n"
            "\n"
            "# the notebook's layer input: 16 digits, 3 uniform [0, 1) 5x5 filters, sigmoid\n"
            "rng = np.random.default_rng(4)\n"
            "z1, _ = conv2d_forward(digits(16)[:, None] / 255.0, rng.uniform(size=(3, 1, 5, 5)))\n"
            "a1 = sigmoid(z1).reshape(16, -1)   # (16, 1728)\n"
            "saturation_explorer(a1)",
        ),
    ],
    "05_backpropagation": [
        Explorer(
            "Gradient descent and the learning rate",
            "Try the three presets: slow, good, divergent. Each step multiplies the distance "
            "by |1 - 2 lr|.",
            "from helpers.explorers.backprop import gradient_descent_explorer\n"
            "\n"
            "gradient_descent_explorer()",
        ),
        Explorer(
            "The backward pass, node by node",
            "Step through the graph: each gradient is the one arriving times a local derivative.",
            "from helpers.explorers.backprop import backward_stepper\n"
            "\n"
            "backward_stepper()",
        ),
    ],
    "07_padding_stride_pooling": [
        Explorer(
            "Padding, stride and pooling on a digit",
            "Change the window, the padding and the stride: what size comes out, what is lost?",
            "from helpers.explorers.pooling import padding_stride_explorer\n"
            "from presenter import digits\n"
            "\n"
            "padding_stride_explorer(digits(10))",
        ),
        Explorer(
            "Where a max-pool gradient goes",
            "Switch the tie rule: with one winner per window, dx adds up to exactly the gradient "
            "that arrived; with every tied maximum, it adds up to more.",
            "from helpers.explorers.pooling import maxpool_routing_explorer\n"
            "from presenter import digits\n"
            "\n"
            "maxpool_routing_explorer(digits(10))",
        ),
    ],
}
