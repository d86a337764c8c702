"""Checks for the notebooks' exercises.

Each ``check_*`` function takes a learner's answer (a number, an array or a
function), tests it, including on cases chosen to catch the usual mistakes,
and either returns quietly with a short confirmation printed, or raises
``AssertionError`` whose message says what is wrong and what was expected.
One submodule per notebook; everything is re-exported here so notebooks can
write ``from helpers.checks import check_conv_output``.
"""

from ._common import ExerciseError, report_ok  # noqa: F401
from .convolution import *  # noqa: F401,F403  (notebooks 01-02)
from .dense_sigmoid import *  # noqa: F401,F403  (notebooks 03-04)
from .backprop import *  # noqa: F401,F403  (notebook 05)
from .training import *  # noqa: F401,F403  (notebooks 06-07)
from .pooling import *  # noqa: F401,F403  (notebook 08)
from .classification import *  # noqa: F401,F403  (notebooks 09-11)
from .frameworks import *  # noqa: F401,F403  (notebooks 10-11)
