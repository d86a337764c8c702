"""Shared, tested kernels for the course "The mathematics of CNNs, from scratch".

Importing a kernel module (conv, layers, losses, gradcheck, data) pulls in NumPy
only; plotting and widgets live in ``helpers.explorers`` and ``helpers.plots``.
"""

__version__ = "0.1.0"
