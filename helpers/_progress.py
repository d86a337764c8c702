"""A progress bar that a saved notebook shows finished, not at 0%.

In a Jupyter kernel, tqdm draws its bar as a widget; the notebook stores the
widget's ``text/plain`` as it was when the bar appeared (``0%| | 0/600``), and a
page without a live kernel (GitHub, nbviewer, an HTML export) shows that: training
that never ran. :class:`Progress` displays the bar with a display id and, when it
closes, replaces the stored output by its final state::

    application/vnd.jupyter.widget-view+json   the (finished) bar, in a live frontend
    text/plain                                 e.g. "training improved_cnn: 600/600 steps,
                                               loss ≈0.1234" (no timings: nbval compares
                                               it, and a number from training comes
                                               after a '≈', see CONTRIBUTING.md)

Outside a kernel (a script, pytest) it is tqdm's console bar on stderr, as before.
tqdm and IPython are imported only when a bar is made: the kernels stay NumPy-only.
"""

import uuid

__all__ = ["Progress"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _in_kernel():
    """True inside a Jupyter kernel (where tqdm draws a widget)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class Progress:
    """A progress bar over ``total`` units: ``update(n)``, then ``close(detail)``.

    desc: the bar's label ("training improved_cnn"); unit: "step", "B", ...
    The stored final line is "<desc>: <n>/<total> <unit>s[, <detail>]", or
    "<desc>: stopped at <n>/<total> <unit>s[, <detail>]" when it closes early (an
    exception, an interrupt). Usable as a context manager (closes on exit).
    """

    def __init__(self, total, desc, unit="step", **tqdm_kwargs):
        self.total, self.desc, self.unit = total, desc, unit
        self.display_id = None
        self._closed = False
        if _in_kernel():
            try:
                from tqdm.notebook import tqdm as notebook_tqdm

                self.bar = notebook_tqdm(total=total, desc=desc, unit=unit, display=False,
                                         **tqdm_kwargs)
            except ImportError:          # no ipywidgets: tqdm's console bar
                self.bar = None
            else:
                self.display_id = f"progress-{uuid.uuid4().hex}"
                self._publish(self._line(), update=False)
                return
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=desc, unit=unit, **tqdm_kwargs)

    @property
    def n(self):
        return self.bar.n

    def update(self, n=1):
        self.bar.update(n)

    def set_postfix(self, **kwargs):
        self.bar.set_postfix(**kwargs)

    def _amount(self, n):
        if self.unit == "B":                 # bytes: 11.5MB
            from tqdm import tqdm

            return tqdm.format_sizeof(n, "B")
        return str(n)

    def _line(self, stopped=False):
        count = self._amount(self.bar.n)
        if self.total:
            count += "/" + self._amount(self.total)
        state = "stopped at " if stopped else ""
        unit = "" if self.unit == "B" else f" {self.unit}s"
        return f"{self.desc}: {state}{count}{unit}"

    def _publish(self, text, update):
        from IPython.display import display, update_display

        data = {"text/plain": text,
                WIDGET_VIEW: {"version_major": 2, "version_minor": 0,
                              "model_id": self.bar.container.model_id}}
        (update_display if update else display)(data, raw=True, display_id=self.display_id)

    def close(self, detail=None):
        """Finish the bar; in a notebook, store its final line (see the class docstring)."""
        if self._closed:
            return
        self._closed = True
        stopped = self.total is not None and self.bar.n < self.total
        self.bar.close()
        if self.display_id is not None:
            line = self._line(stopped) + (f", {detail}" if detail else "")
            self._publish(line, update=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
