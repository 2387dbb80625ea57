"""The seed's options are checked once: `seed_demo` and `uv run seed.py` accept and refuse the same values."""

from __future__ import annotations

import pytest

import seed
from demo.options import SeedError, check_options


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"users": 8}, "--users must be between 9 and 100,000, not 8 (one demo user per age group x gender"),
        ({"events": -1}, "--events must be between 0 and 2,000,000,000, not -1"),
        ({"days": 0}, "--days must be between 1 and 3,650, not 0"),
        ({"seed": -5}, "--seed must be between 0 and 9,223,372,036,854,775,807, not -5"),
        ({"events": 2.5}, "--events must be a whole number, not 2.5"),
        ({"users": True}, "--users must be a whole number, not True"),
    ],
)
def test_bad_options_are_named_with_their_limits(kwargs, message):
    options = {"users": 55, "events": 500, "days": 30, "seed": None} | kwargs
    with pytest.raises(SeedError) as error:
        check_options(**options)
    assert str(error.value).startswith(message)


def test_the_limits_themselves_are_accepted():
    check_options(9, 0, 1, 0)
    check_options(100_000, 2_000_000_000, 3650, 2**63 - 1)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--users", "-1"], "argument --users: must be between 9 and 100,000, not -1"),
        (["--users", "3"], "argument --users: must be between 9"),
        (["--events", "-5"], "argument --events: must be between 0"),
        (["--events", "lots"], "argument --events: must be a whole number, not 'lots'"),
        (["--days", "0"], "argument --days: must be between 1"),
        (["--seed", "-2"], "argument --seed: must be between 0"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_command_line_rejects_bad_arguments_with_status_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        seed.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_command_line_reads_counts_with_separators():
    args = seed.build_parser().parse_args(["--events", "10_000_000", "--users", "1,000"])
    assert (args.events, args.users, args.days, args.seed, args.reset) == (10_000_000, 1000, 30, None, False)
