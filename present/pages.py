"""The presenter pages: which explorers each notebook's page shows, and how.

``PAGES`` maps a notebook's file stem (``notebooks/<stem>.ipynb``) to its explorers,
in the order the notebook shows them. Each explorer is a heading, one line saying
what to try, and the code that builds it: imports plus one call, the same call the
notebook makes, so that the page shows the notebook's explorer.

``PREPARE`` holds, for the pages whose explorers need trained networks, the code
that trains them when the page opens: the notebook's own training calls, on the
bundled data (offline), without its progress bars and live plots.

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


PREPARE = {
    "06_the_articles_code": (
        "from helpers.data import load_mnist\n"
        "\n"
        "(x_train, y_train), (x_test, y_test) = load_mnist(source=\"bundled\")"
    ),
    "07_training_a_cnn": (
        "from helpers.data import load_mnist\n"
        "from helpers.nets import ARTICLE_NET, IMPROVED_CNN, init_article_net, init_improved_cnn\n"
        "from helpers.train import adam, fit, predict, spaced_steps\n"
        "\n"
        "# notebook 07's two runs: 600 steps of 64 digits each\n"
        "(x_train, y_train), (x_test, y_test) = load_mnist(source=\"bundled\")\n"
        "STEPS, BATCH, SEED = 600, 64, 0\n"
        "params_a, hist_a = fit(ARTICLE_NET, init_article_net(10, init=\"scaled\", bias=True, seed=SEED),\n"
        "                       x_train, y_train, optimizer=adam(3e-3), batch_size=BATCH, epochs=100,\n"
        "                       max_steps=STEPS, seed=SEED, progress=False)\n"
        "params_c, hist_c = fit(IMPROVED_CNN, init_improved_cnn(seed=SEED), x_train, y_train,\n"
        "                       optimizer=adam(2e-3), batch_size=BATCH, epochs=100, max_steps=STEPS,\n"
        "                       seed=SEED, checkpoint_steps=spaced_steps(STEPS, 16), progress=False)\n"
        "pred_c = predict(IMPROVED_CNN, params_c, x_test)"
    ),
    "10_ten_digits": (
        "from helpers import nets, train, variants\n"
        "from helpers.data import load_mnist\n"
        "from helpers.layers import softmax\n"
        "\n"
        "# notebook 10's improved CNN (3 epochs) and its lab of 32 variants of the article's net\n"
        "(x_train, y_train), (x_test, y_test) = load_mnist(source=\"bundled\")\n"
        "cnn_params, _ = train.fit(nets.IMPROVED_CNN, nets.init_improved_cnn(seed=0), x_train, y_train,\n"
        "                          loss=\"softmax_cross_entropy\", optimizer=train.adam(2e-3),\n"
        "                          batch_size=64, epochs=3, seed=0, progress=False)\n"
        "probs_cnn = softmax(train.predict_logits(nets.IMPROVED_CNN, cnn_params, x_test))\n"
        "grid = variants.variant_grid(x_train[:200], y_train[:200], steps=25, lr=0.1, seed=0,\n"
        "                             x_val=x_test[:500], y_val=y_test[:500])"
    ),
    "11_what_the_network_sees": (
        "from helpers import nets, train\n"
        "from helpers.data import load_mnist\n"
        "\n"
        "# notebook 11's improved CNN: two epochs on the bundled digits\n"
        "(x_train, y_train), (x_test, y_test) = load_mnist(source=\"bundled\")\n"
        "params, _ = train.fit(nets.IMPROVED_CNN, nets.init_improved_cnn(seed=0), x_train, y_train,\n"
        "                      optimizer=train.adam(2e-3), batch_size=64, epochs=2, seed=0, progress=False)\n"
        "x_held = nets.prepare_images(x_test)"
    ),
    "12_fashion_mnist": (
        "import numpy as np\n"
        "from helpers import nets, train\n"
        "from helpers.data import FASHION_MNIST_CLASSES as CLASSES, load_fashion_mnist\n"
        "\n"
        "# notebook 12's improved CNN: one epoch on 10,000 clothes\n"
        "(x_train, y_train), (x_test, y_test) = load_fashion_mnist()\n"
        "subset = np.random.default_rng(0).permutation(len(x_train))[:10_000]\n"
        "cnn_params, _ = train.fit(nets.IMPROVED_CNN, nets.init_improved_cnn(10, seed=0),\n"
        "                          x_train[subset], y_train[subset], optimizer=train.adam(2e-3),\n"
        "                          batch_size=32, epochs=1, seed=0, progress=False)\n"
        "cnn_pred = train.predict(nets.IMPROVED_CNN, cnn_params, x_test)"
    ),
    "13_the_same_network_in_keras": (
        "from helpers import nets, train\n"
        "from helpers.data import FASHION_MNIST_CLASSES as CLASSES, load_fashion_mnist\n"
        "\n"
        "# notebook 13's trained article network: 100 steps of 64 clothes\n"
        "(x_train, y_train), (x_test, y_test) = load_fashion_mnist()\n"
        "params = nets.init_article_net(10, init=\"scaled\", bias=True, seed=0)\n"
        "trained, _ = train.fit(nets.ARTICLE_NET, params, x_train[:6400], y_train[:6400],\n"
        "                       optimizer=train.adam(5e-3), batch_size=64, seed=0, progress=False)"
    ),
}

PAGES = {
    "01_convolution_by_hand": [
        Explorer(
            "Slide a filter over a digit",
            "Move the row and column sliders: the orange-red square is the patch; its products with the "
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
            "Change n, f, p and s: dots mark where the window starts; cross-hatched cells are never read.",
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
    "06_the_articles_code": [
        Explorer(
            "What the article's stack_transpose feeds the network",
            "Pick an image: the network sees its transpose, the digit mirrored along the diagonal.",
            "from helpers.explorers.training import transpose_explorer\n"
            "\n"
            "transpose_explorer(x_train[:20])",
        ),
        Explorer(
            "Reading a flat gradient as filter maps",
            "Switch the reading between (F, n, n) and (n, n, F): read position-major, "
            "the map of one filter mixes all filters.",
            "from helpers.explorers.training import layout_explorer\n"
            "\n"
            "layout_explorer()",
        ),
    ],
    "07_training_a_cnn": [
        Explorer(
            "The digits the improved CNN gets wrong",
            "Choose a true class: each title reads true -> predicted.",
            "from helpers.explorers.training import misclassified_gallery\n"
            "\n"
            "misclassified_gallery(x_test, y_test, pred_c)",
        ),
        Explorer(
            "Feature maps of the improved CNN",
            "Pick a digit: its first-layer filters and the maps they produce.",
            "from helpers.explorers.training import feature_map_explorer\n"
            "\n"
            "feature_map_explorer(params_c, x_test[:50], kind=\"cnn\")",
        ),
        Explorer(
            "Feature maps of the article's network",
            "The same digits through the article's three 5x5 filters and the sigmoid.",
            "from helpers.explorers.training import feature_map_explorer\n"
            "\n"
            "feature_map_explorer(params_a, x_test[:50], kind=\"article\")",
        ),
        Explorer(
            "Time machine: the CNN during training",
            "Drag the step back to 0 and forward again: filters, predictions and loss at "
            "each saved checkpoint.",
            "from helpers.explorers.training import time_machine\n"
            "\n"
            "time_machine(IMPROVED_CNN, hist_c, x_test[:8], y_test[:8], x_test[:500], y_test[:500])",
        ),
    ],
    "08_padding_stride_channels": [
        Explorer(
            "Padding, stride and pooling on a digit",
            "Change the window, the padding and the stride: what size comes out, what is lost?",
            "from helpers.explorers.pooling import padding_stride_explorer\n"
            "from presenter import digits\n"
            "\n"
            "padding_stride_explorer(digits(10))",
        ),
    ],
    "09_pooling": [
        Explorer(
            "Where a max-pool gradient goes",
            "Switch the tie rule: with one winner per window or an equal split, dx adds up to "
            "exactly the gradient that arrived; with every tied maximum, it adds up to more.",
            "from helpers.explorers.pooling import maxpool_routing_explorer\n"
            "from presenter import digits\n"
            "\n"
            "maxpool_routing_explorer(digits(10))",
        ),
    ],
    "10_ten_digits": [
        Explorer(
            "Softmax, its gradient p - y, and overflow",
            "Move the logits, then the shift c: p does not change, but the naive formula "
            "overflows from about c = 710.",
            "from helpers.explorers.classification import softmax_explorer\n"
            "\n"
            "softmax_explorer()",
        ),
        Explorer(
            "Which digits the CNN confuses",
            "Choose a true and a predicted class: the digits in that cell of the confusion matrix.",
            "from helpers.explorers.classification import confusion_explorer\n"
            "\n"
            "confusion_explorer(x_test, y_test, probs_cnn)",
        ),
        Explorer(
            "The lab: the article's choices, one switch at a time",
            "Flip one choice at a time, or all of them: loss curve, gradients, saturation, accuracy.",
            "from helpers.explorers.classification import lab_explorer\n"
            "\n"
            "lab_explorer(grid)",
        ),
    ],
    "11_what_the_network_sees": [
        Explorer(
            "Saliency against occlusion",
            "Pick a digit, a square and its fill: red squares lower the answer's score when hidden. "
            "Try a grey fill, then the background again.",
            "from helpers.explorers.attribution import attribution_explorer\n"
            "\n"
            "attribution_explorer(params, x_held[:50], y_test[:50])",
        ),
        Explorer(
            "Fooling the network",
            "Move eps: every pixel changes by at most eps, in the direction that raises the loss. "
            "When does the answer flip?",
            "from helpers.explorers.attribution import fgsm_explorer\n"
            "\n"
            "fgsm_explorer(params, x_held[:50], y_test[:50])",
        ),
        Explorer(
            "Draw a digit",
            "Draw with the mouse (hold the button), or press Clear and draw your own: the prepared "
            "28x28 image, the probabilities, the saliency map and the feature maps follow the pen.",
            "from helpers.explorers.drawing import draw_a_digit\n"
            "\n"
            "draw_a_digit(params, x_test[0])",
        ),
    ],
    "12_fashion_mnist": [
        Explorer(
            "Browse the ten classes of clothes",
            "Pick a class and page through its images.",
            "from helpers.explorers.fashion import class_browser\n"
            "\n"
            "class_browser(x_train, y_train, CLASSES)",
        ),
        Explorer(
            "Which clothes the CNN confuses",
            "Choose a true and a predicted class by name: how many test images, and which.",
            "from helpers.explorers.fashion import confusion_explorer\n"
            "\n"
            "confusion_explorer(x_test, y_test, cnn_pred, CLASSES)",
        ),
    ],
    "13_the_same_network_in_keras": [
        Explorer(
            "Copying our weights into Keras",
            "Toggle how the kernel and the dense rows are copied: only the transposed kernel with "
            "permuted rows (or a channels-first model) gives our network's logits.",
            "from helpers.explorers.frameworks import weight_copy_explorer\n"
            "\n"
            "weight_copy_explorer(x_test[:12], trained, CLASSES)",
        ),
    ],
}
