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
