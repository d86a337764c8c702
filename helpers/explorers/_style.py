"""Sizes and colours shared by every explorer, chosen to be legible on a projector."""

import ipywidgets as widgets

FIGSIZE = (9, 4)          # inches; fills a notebook column, readable from the back row
FONT_SIZE = 13
CMAP_IMAGE = "gray_r"     # MNIST digits as dark ink on white
CMAP_SIGNED = "RdBu_r"    # filters and gradients: blue negative, red positive
CONTROL_LAYOUT = widgets.Layout(width="420px")
CONTROL_STYLE = {"description_width": "140px"}


def slider(cls=widgets.IntSlider, **kwargs):
    """A wide, labelled slider (ints by default) with the course's layout."""
    kwargs.setdefault("layout", CONTROL_LAYOUT)
    kwargs.setdefault("style", CONTROL_STYLE)
    kwargs.setdefault("continuous_update", False)
    return cls(**kwargs)

# ToggleButtons: size each button to its label (the default width cuts long labels off).
TOGGLE_STYLE = {**CONTROL_STYLE, "button_width": "auto"}

# Colour-blind-safe colours (Okabe & Ito's palette): never tell two things apart by a red and
# a green, and give every right/wrong verdict a mark as well as a colour.
OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "reddish purple": "#CC79A7", "black": "#000000"}
RIGHT_COLOUR, WRONG_COLOUR = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
RIGHT_MARK, WRONG_MARK = "\N{CHECK MARK}", "\N{BALLOT X}"      # a tick and a cross
# Several things drawn side by side (windows, series): distinct hues and line styles.
SERIES_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["blue"], OKABE_ITO["bluish green"],
                  OKABE_ITO["reddish purple"])
SERIES_STYLES = ("-", "--", ":", "-.")


def verdict(ok):
    """(mark, colour) of a right (ok=True) or wrong answer: a tick in blue, a cross in
    vermillion, told apart without colour vision too."""
    return (RIGHT_MARK, RIGHT_COLOUR) if ok else (WRONG_MARK, WRONG_COLOUR)
