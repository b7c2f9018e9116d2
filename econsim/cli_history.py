"""``econsim fit`` and ``econsim segment``: a population estimated from its event log.

Kept apart from econsim/cli.py as cli_advisor.py is; registered on the same app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from econsim import cli_options as opt


def fit_command(
    events: opt.EventsFile,
    design: Annotated[
        Path,
        typer.Option(
            "--design", help="Scenario file whose design is kept and whose population is fitted."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The fitted scenario file.")],
    as_of: opt.AsOfOption = None,
    initial_days: Annotated[
        int | None,
        typer.Option(
            help="Users first seen within this many days of the log's start are its initial "
            "members, later ones are acquisitions (default: the dormancy threshold; 0: a "
            "cohort that joins with its first event).",
            min=0,
            show_default=False,
        ),
    ] = None,
    festival: Annotated[
        list[str] | None,
        typer.Option(
            "--festival",
            help="A named date range whose effect to fit, NAME=MM-DD:MM-DD (both days "
            "included; repeat for more), e.g. singles_day=11-11:11-11.",
            show_default=False,
            metavar="NAME=MM-DD:MM-DD",
        ),
    ] = None,
    season: Annotated[
        bool,
        typer.Option(
            help="Fit monthly and weekday multipliers (and the festivals named) when the log "
            "covers a year or more; --no-season keeps the population stationary."
        ),
    ] = True,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
) -> None:
    """Estimate a scenario's population from an event log.

    Tier shares, uptake per tier and behaviour, core frequencies and amount distributions
    (maximum likelihood, best by AIC, Kolmogorov-Smirnov distance), redemption propensity,
    and the lifecycle: the BG/NBD model of repeat buying with drop-out, dormancy and
    acquisition. With a year or more of history, the season too: monthly and weekday
    multipliers of repeat buying and the effect of each --festival, with standard errors.
    Prints every estimate with its standard error; writes the scenario (the design file's
    comments kept) and, beside it, NAME.fit/ with estimates.csv, users.csv (P(alive) per
    user), goodness-of-fit charts and cautions.txt. Fit on at least a full year: a shorter
    window knows nothing of the seasons outside it (a caution says so, and no season is
    fitted).
    """
    from econsim.history.fit import fit as fit_log
    from econsim.history.season_fit import parse_festivals
    from econsim.report.terminal import print_fit

    opt.check_output(output, force, folder=False, inputs=[events, design])
    festivals = parse_festivals(festival or [])
    result = fit_log(
        events,
        design,
        as_of=as_of,
        initial_days=initial_days,
        season=season,
        festivals=festivals,
    )
    print_fit(result, opt.out)
    opt.write_output(result, output, force, design=design)
    opt.say(f"wrote {output} and {output.parent / (output.stem + '.fit')}/")


def segment_command(
    events: opt.EventsFile,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the outputs.")],
    as_of: opt.AsOfOption = None,
    split: Annotated[
        Literal["mean", "median"],
        typer.Option(help="High/low against the 'mean' (usual) or the 'median'."),
    ] = "mean",
) -> None:
    """RFM layering: recency, frequency, monetary → 8 value classes (domain §6).

    Prints users and shares per class; writes segments.csv (one row per user),
    segments.json and charts/segments.png|svg.
    """
    from econsim.history.rfm import segment as segment_log
    from econsim.report.terminal import print_segments

    # segment has always written into its folder (one that holds only econsim's outputs)
    opt.check_output(output, force=True, inputs=[events])
    rfm = segment_log(events, as_of=as_of, split=split)
    print_segments(rfm, opt.out)
    opt.write_output(rfm, output, force=True)  # segment has always written into its folder
    opt.say(f"wrote {output}/segments.csv, segments.json and charts/")
