"""Add (or refresh) the "Draw a digit" section of issue 15 in a notebook.

    .venv/bin/python tools/add_drawing_section.py notebooks/11_what_the_network_sees.ipynb
    .venv/bin/python tools/add_drawing_section.py NOTEBOOK --params params --images x_test --labels y_test

Inserts four cells before the exercises the notebook ends with (CONTRIBUTING: notebooks end
with exercises; before the previous/next links cell if it has none): why a drawing
must be prepared as MNIST's digits were; a check on an MNIST test digit that preparing it
again changes it little, and that a digit drawn large comes back closer than a one-pixel
shift; what to try; the explorer. The cells carry fixed ids (``draw-a-digit-*``): running
the tool again replaces them where they are instead of adding a second copy.

The cells use names the notebook must define before its last cell: the trained improved
CNN's parameters (``--params``, default ``params``, notebook 11's name) and the test images and labels
(``--images``/``--labels``, default ``x_test``/``y_test``, uint8 (N, 28, 28) as
``load_mnist`` returns them); the tool stops with a message if one is missing.
Then re-run the notebook: ``.venv/bin/python tools/run_notebooks.py NOTEBOOK``.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat

PREFIX = "draw-a-digit-"

WHY = """## Draw a digit yourself

Every digit the network was trained on went through the same preparation when MNIST was
made, and a drawing has to go through it too, or the network reads something it has never
seen (a digit that fills the whole square, or sits in one corner, or has hard black-and-white
edges):

1. **crop** the stroke's bounding box: where on the paper the digit was written is forgotten;
2. **scale** that box so that its longer side is 20 pixels, the same factor on both axes
   (a 1 stays thin, it is not stretched into a square);
3. **average areas** while shrinking: each new pixel is the mean of the ink it covers, which
   turns the stroke's edges into the grey levels MNIST's digits have;
4. **centre** the 20-pixel box in the 28x28 square by the centre of mass of its ink,
   $\\left(\\sum_{ij} p_{ij}\\, i,\\ \\sum_{ij} p_{ij}\\, j\\right) / \\sum_{ij} p_{ij}$, moved to within half a pixel of (14, 14),
   not by the centre of the box (a 7's heavy top bar pulls it up).

`helpers.drawing.prepare_drawing` does these four steps. A good test of it is MNIST itself:
its digits have been through the steps once, so a second pass should leave them almost as
they are, and a digit drawn large on a canvas should come back close to where it started."""

CHECK = """import numpy as np

from helpers.drawing import enlarge_digit, prepare_drawing

digit = {images}[0] / 255                     # the first test digit, grey levels in [0, 1]
again = prepare_drawing(digit)
largest = np.abs(again - digit).max()
print(f"prepared a second time: largest change {{largest * 255:.0f}}/255 of a grey level")
assert largest <= 1 / 255 + 1e-6              # only the grey scale (brightest pixel = 1) may move

big = enlarge_digit(digit)                    # drawn 10 times larger, as on the canvas below
back = prepare_drawing(big)
change = np.abs(back - digit).mean()
shifted = np.abs(np.roll(digit, 1, axis=0) - digit).mean()
print(f"drawn {{big.shape[0]}}x{{big.shape[1]}} and prepared: mean change per pixel {{change:.3f}}; "
      f"moving the digit down one pixel: {{shifted:.3f}}")
assert big.shape == (280, 280) and change < shifted

reads = train.predict(nets.IMPROVED_CNN, {params}, np.stack([digit, back]).astype(np.float32))
print(f"the network reads the digit and its prepared drawing alike: {{bool(reads[0] == reads[1])}}")
assert reads[0] == reads[1] == {labels}[0]"""

TRY = """The explorer below starts with that test digit drawn large. Draw over it or press
**Clear** and draw your own (hold the mouse button). Beside the drawing: its bounding box, the
prepared 28x28 image the network actually reads, the ten probabilities, the saliency map of
the winning class (the gradient of its score with respect to each pixel, from
`nets.cnn_backward(..., return_dx=True)`: red where more ink would raise the score, blue
where it would lower it) and the feature maps of both convolution layers. Things to try:
a small digit in a corner (the preparation undoes both), a 7 with and without its crossbar,
a 1 with a flag, a 4 that is open or closed at the top, a digit that is not a digit."""

EXPLORER = """from helpers.explorers.drawing import draw_a_digit

draw_a_digit({params}, {images}[0])"""


def defined_names(nb):
    """Names assigned (or imported) by the notebook's code cells, except ours."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or str(cell.get("id", "")).startswith(PREFIX):
            continue
        python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                           for line in cell.source.splitlines())    # IPython magics out
        try:
            tree = ast.parse(python)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def section(params, images, labels, number=None):
    fill = dict(params=params, images=images, labels=labels)
    why = WHY if number is None else WHY.replace("## Draw a digit", f"## {number}. Draw a digit", 1)
    cells = [
        nbformat.v4.new_markdown_cell(why),
        nbformat.v4.new_code_cell(CHECK.format(**fill)),
        nbformat.v4.new_markdown_cell(TRY),
        nbformat.v4.new_code_cell(EXPLORER.format(**fill),
                                  metadata={"tags": ["nbval-ignore-output"]}),
    ]
    for cell, suffix in zip(cells, ("why", "check", "try", "explorer")):
        cell["id"] = PREFIX + suffix
    return cells


def add_section(nb, params="params", images="x_test", labels="y_test"):
    """The notebook with the section before its last cell (or refreshed in place)."""
    missing = [n for n in (params, images, labels, "nets", "train") if n not in defined_names(nb)]
    if missing:
        raise SystemExit(f"the notebook does not define {', '.join(missing)} before its links "
                         "cell; pass --params/--images/--labels (nets and train: `from helpers "
                         "import nets, train`)")
    if not nb.cells or nb.cells[-1].cell_type != "markdown" or "Previous:" not in nb.cells[-1].source:
        raise SystemExit("the notebook's last cell is not its previous/next links cell")
    ours = [i for i, c in enumerate(nb.cells) if str(c.get("id", "")).startswith(PREFIX)]
    at = ours[0] if ours else _exercises_start(nb)
    new = section(params, images, labels, _next_number(nb.cells[:at]))
    if ours:
        if ours != list(range(ours[0], ours[0] + len(new))):
            raise SystemExit(f"the section's cells are not together (cells {ours}): fix by hand")
        nb.cells[at:at + len(new)] = new
    else:
        nb.cells[at:at] = new
    return nb


def _next_number(cells):
    """The number the section's heading takes when the notebook numbers its sections
    ("## 6. What a class looks like ..." before it -> 7), else None."""
    numbers = [int(m.group(1)) for c in cells if c.cell_type == "markdown"
               for m in re.finditer(r"(?m)^## (\d+)\. ", c.source)]
    return numbers[-1] + 1 if numbers else None


def _exercises_start(nb):
    """Index of the first cell of the exercises the notebook ends with (their heading or the
    first prompt: CONTRIBUTING says notebooks end with exercises), or of the links cell."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from exercise_pattern import _ANNOUNCE, _ANNOUNCE_NUMBERED, _EXERCISES_HEADING, find_exercises

    at = len(nb.cells) - 1                    # the links cell
    for ex in reversed(find_exercises(nb)):
        end = (ex.solution if ex.solution is not None else ex.cell) + 1
        if end != at:
            break                             # not part of the final run of exercises
        # the markdown cells before an exercise may end a section ("Most of the ten ..."):
        # its prompt starts at its announcement ("**1. ...", "Exercise 1") or the cell before
        prompt = ex.prompt or [ex.cell]
        announced = [j for j in prompt if _ANNOUNCE.search(nb.cells[j].source)
                     or _ANNOUNCE_NUMBERED.search(nb.cells[j].source)
                     or _EXERCISES_HEADING.search(nb.cells[j].source)]
        at = announced[0] if announced else prompt[-1]
    while at > 0 and nb.cells[at - 1].cell_type == "markdown" and _EXERCISES_HEADING.search(
            nb.cells[at - 1].source):
        at -= 1
    return at


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--params", default="params")
    parser.add_argument("--images", default="x_test")
    parser.add_argument("--labels", default="y_test")
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    if nb.nbformat_minor < 5:
        nb.nbformat_minor = 5                  # cell ids
    add_section(nb, args.params, args.images, args.labels)
    nbformat.validate(nb)
    nbformat.write(nb, args.notebook)
    print(f"{args.notebook}: draw-a-digit section in place (cells {PREFIX}*); now run "
          f".venv/bin/python tools/run_notebooks.py {args.notebook}")


if __name__ == "__main__":
    sys.exit(main())
