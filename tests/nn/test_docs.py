"""The example in nn's docstring runs and prints what it says."""

import doctest

import nn


def test_package_docstring_example():
    failures, attempted = doctest.testmod(nn)
    assert attempted >= 5 and failures == 0
