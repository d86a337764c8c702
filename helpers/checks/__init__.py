"""Checks for the notebooks' exercises.

Each ``check_*`` function takes a learner's answer (a number, an array or a
function), tests it, including on cases chosen to catch the usual mistakes,
and either returns quietly with a short confirmation printed, or raises
``ExerciseError`` (an ``AssertionError``) whose message says what is wrong and what
was expected. An unanswered exercise (its placeholder ``None`` or ``...`` still in
place) prints "No answer yet: ..."; in grading mode (``CNN_COURSE_GRADING=1``, or
``with grading_mode():``) it raises ``UnansweredError`` naming the exercise instead.
Every check is declared with ``_common.exercise`` and listed in ``EXERCISES``, with the
spoilers that its notebook's prompt must not contain.
One submodule per notebook; everything is re-exported here so notebooks can
write ``from helpers.checks import check_conv_output``.
"""

from ._common import (EXERCISES, ExerciseError, UnansweredError, grading,  # noqa: F401
                      grading_mode, report_ok)
from .convolution import *  # noqa: F401,F403  (notebooks 01-02)
from .dense_sigmoid import *  # noqa: F401,F403  (notebooks 03-04)
from .backprop import *  # noqa: F401,F403  (notebook 05)
from .training import *  # noqa: F401,F403  (notebooks 06-07)
from .conv_layer import *  # noqa: F401,F403  (notebook 08: the convolution layer in full)
from .pooling import *  # noqa: F401,F403  (notebooks 08-09)
from .classification import *  # noqa: F401,F403  (notebook 10)
from .attribution import *  # noqa: F401,F403  (notebook 11)
from .frameworks import *  # noqa: F401,F403  (notebooks 12-13)
