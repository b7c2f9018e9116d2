"""Explore designs: parameter sweeps and side-by-side comparisons on common random numbers.

(Named ``explore`` so that ``econsim.sweep`` stays the function.)
"""
